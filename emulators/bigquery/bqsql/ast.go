package bqsql

// Expressions.
type expr interface{ pos() (int, int) }

type at struct{ line, col int }

func (a at) pos() (int, int) { return a.line, a.col }

type (
	litExpr struct {
		at
		kind string // STRING BYTES INT FLOAT BOOL NULL, or typed: DATE TIMESTAMP DATETIME TIME NUMERIC BIGNUMERIC JSON
		val  string
	}
	identExpr struct { // a.b.c (columns, fields, or bare names like date parts)
		at
		parts []string
	}
	starExpr struct {
		at
		qual    expr // nil or the qualifier expression (alias or struct)
		except  []string
		replace []selItem
	}
	paramExpr struct {
		at
		name string // "" for positional
		idx  int
	}
	unaryExpr struct {
		at
		op string // - + ~ NOT
		x  expr
	}
	binExpr struct {
		at
		op   string
		l, r expr
	}
	funcExpr struct {
		at
		name      []string // upper-cased path, e.g. ["SAFE","TIMESTAMP_MILLIS"] keeps SAFE separately
		safe      bool
		distinct  bool
		star      bool
		args      []expr
		nulls     string // IGNORE or RESPECT
		orderBy   []orderItem
		limit     expr
		having    *havingMax
		over      *windowSpec
		namedArgs map[int]string
	}
	havingMax struct {
		max bool
		x   expr
	}
	caseExpr struct {
		at
		operand expr
		whens   []whenClause
		els     expr
	}
	whenClause struct{ cond, then expr }
	castExpr   struct {
		at
		safe   bool
		x      expr
		typ    *typeSpec
		format expr
	}
	extractExpr struct {
		at
		part expr // identExpr or funcExpr (WEEK(MONDAY))
		x    expr
		tz   expr
	}
	intervalExpr struct {
		at
		x           expr
		unit, unit2 string
	}
	inExpr struct {
		at
		not    bool
		x      expr
		list   []expr
		query  *query
		unnest expr
	}
	betweenExpr struct {
		at
		not       bool
		x, lo, hi expr
	}
	likeExpr struct {
		at
		not  bool
		x, p expr
		any  string // ANY / ALL / SOME for LIKE ANY (...)
		list []expr
	}
	isExpr struct {
		at
		not  bool
		x    expr
		what string // NULL TRUE FALSE
	}
	distinctFromExpr struct {
		at
		not  bool
		l, r expr
	}
	existsExpr struct {
		at
		q *query
	}
	subqueryExpr struct {
		at
		q *query
	}
	arraySubqueryExpr struct {
		at
		q *query
	}
	arrayLit struct {
		at
		elem  *typeSpec
		elems []expr
	}
	structLit struct {
		at
		typ    *typeSpec // may be nil
		fields []expr
		names  []string
	}
	indexExpr struct {
		at
		x    expr
		mode string // OFFSET SAFE_OFFSET ORDINAL SAFE_ORDINAL or "" (bare)
		idx  expr
	}
	fieldExpr struct {
		at
		x    expr
		name string
	}
	parenExpr struct {
		at
		x expr
	}
	tupleExpr struct { // (a, b) row constructor
		at
		xs []expr
	}
	// rawExpr carries already-translated DuckDB text (used by rewrites).
	rawExpr struct {
		at
		sql string
	}
)

type typeSpec struct {
	name   string // upper: INT64, STRING, ARRAY, STRUCT, ...
	params []string
	elem   *typeSpec
	fields []structField
}

type structField struct {
	name string
	typ  *typeSpec
}

type windowSpec struct {
	name        string
	partitionBy []expr
	orderBy     []orderItem
	frameUnit   string // ROWS or RANGE, "" when absent
	frameStart  *frameBound
	frameEnd    *frameBound
}

type frameBound struct {
	kind string // UNBOUNDED PRECEDING, UNBOUNDED FOLLOWING, CURRENT ROW, PRECEDING, FOLLOWING
	x    expr
}

type orderItem struct {
	x     expr
	desc  bool
	nulls string // FIRST / LAST
}

// Queries.
type query struct {
	at
	with    []cte
	body    setExpr
	orderBy []orderItem
	limit   expr
	offset  expr
}

type cte struct {
	name string
	q    *query
}

type setExpr interface{}

type setOp struct {
	op       string // UNION INTERSECT EXCEPT
	distinct bool
	l, r     setExpr
}

type selectStmt struct {
	at
	distinct   bool
	asStruct   bool
	asValue    bool
	items      []selItem
	from       []fromItem // comma-separated
	where      expr
	groupBy    []expr
	rollup     bool
	groupByAll bool
	having     expr
	qualify    expr
	windows    map[string]*windowSpec
}

type selItem struct {
	x     expr
	alias string
}

type fromItem interface{}

type tableRef struct {
	at
	path       []string
	alias      string
	forSysTime expr
}

type unnestRef struct {
	at
	x        expr
	alias    string
	offset   bool
	offAlias string
}

type subqueryRef struct {
	at
	q     *query
	alias string
}

type joinRef struct {
	at
	kind  string // INNER LEFT RIGHT FULL CROSS COMMA
	l, r  fromItem
	on    expr
	using []string
}

type parenFrom struct {
	x fromItem
}

package dlp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/protobuf/proto"
)

func validateDeidConfig(cfg *dlppb.DeidentifyConfig) error {
	if cfg == nil {
		return invalid("deidentify_config is required.")
	}
	if cfg.GetImageTransformations() != nil {
		return unsupported("deidentify_config.image_transformations", "image redaction needs OCR, which this emulator does not have")
	}
	n := 0
	check := func(pt *dlppb.PrimitiveTransformation) error {
		n++
		if pt == nil || pt.GetTransformation() == nil {
			return invalid("A primitive transformation is required.")
		}
		return nil
	}
	var checkITT func(*dlppb.InfoTypeTransformations) error
	checkITT = func(itt *dlppb.InfoTypeTransformations) error {
		if len(itt.GetTransformations()) == 0 {
			return invalid("info_type_transformations must contain at least one transformation.")
		}
		for _, t := range itt.GetTransformations() {
			if err := check(t.GetPrimitiveTransformation()); err != nil {
				return err
			}
		}
		return nil
	}
	switch {
	case cfg.GetInfoTypeTransformations() != nil:
		if err := checkITT(cfg.GetInfoTypeTransformations()); err != nil {
			return err
		}
	case cfg.GetRecordTransformations() != nil:
		for _, ft := range cfg.GetRecordTransformations().GetFieldTransformations() {
			if len(ft.GetFields()) == 0 {
				return invalid("field_transformations[].fields must not be empty.")
			}
			switch {
			case ft.GetPrimitiveTransformation() != nil:
				if err := check(ft.GetPrimitiveTransformation()); err != nil {
					return err
				}
				if ft.GetPrimitiveTransformation().GetReplaceWithInfoTypeConfig() != nil {
					return invalid("replace_with_info_type_config can only be used inside info_type_transformations.")
				}
			case ft.GetInfoTypeTransformations() != nil:
				if err := checkITT(ft.GetInfoTypeTransformations()); err != nil {
					return err
				}
			default:
				return invalid("field transformation needs primitive_transformation or info_type_transformations.")
			}
		}
	default:
		return invalid("deidentify_config must set info_type_transformations or record_transformations.")
	}
	if n > maxTransforms {
		return invalid("Too many transformations: %d (maximum %d).", n, maxTransforms)
	}
	return nil
}

func (d *deid) summary(it string, field *dlppb.FieldId, pt *dlppb.PrimitiveTransformation, ft *dlppb.FieldTransformation, sup *dlppb.RecordSuppression) *dlppb.TransformationSummary {
	key := fmt.Sprintf("%s|%s|%p|%p|%p", it, field.GetName(), pt, ft, sup)
	if s, ok := d.sumIndex[key]; ok {
		return s
	}
	s := &dlppb.TransformationSummary{Field: field, Transformation: pt, RecordSuppress: sup}
	if it != "" {
		s.InfoType = &dlppb.InfoType{Name: it}
	}
	if ft != nil {
		s.FieldTransformations = []*dlppb.FieldTransformation{ft}
	}
	d.sumIndex[key] = s
	d.sums = append(d.sums, s)
	return s
}

func addResult(s *dlppb.TransformationSummary, code dlppb.TransformationSummary_TransformationResultCode, details string, n int64) {
	for _, r := range s.Results {
		if r.Code == code && r.Details == details {
			r.Count += n
			return
		}
	}
	s.Results = append(s.Results, &dlppb.TransformationSummary_SummaryResult{Count: n, Code: code, Details: details})
}

// run applies pt and records the result; a transformError either fails the
// request or leaves the value untransformed.
func (d *deid) run(sum *dlppb.TransformationSummary, pt *dlppb.PrimitiveTransformation, v *dlppb.Value, it string, row rowContext) (*dlppb.Value, error) {
	out, err := d.apply(pt, v, it, row)
	var te *transformError
	if errors.As(err, &te) {
		addResult(sum, dlppb.TransformationSummary_ERROR, te.msg, 1)
		if d.leave {
			return v, nil
		}
		return nil, invalid("Transformation failed: %s", te.msg)
	}
	if err != nil {
		return nil, err
	}
	n := int64(len(valueText(v)))
	addResult(sum, dlppb.TransformationSummary_SUCCESS, "", 1)
	sum.TransformedBytes += n
	d.bytes += n
	return out, nil
}

// transformText applies infoType transformations to the findings in text.
func (d *deid) transformText(text string, ins *inspector, itt *dlppb.InfoTypeTransformations, field, header *dlppb.FieldId, row rowContext) (string, error) {
	spans := ins.scanCell(header.GetName(), text)
	if len(spans) == 0 {
		return text, nil
	}
	var b strings.Builder
	pos := 0
	for _, s := range spans {
		if s.start < pos {
			continue
		}
		var chosen *dlppb.InfoTypeTransformations_InfoTypeTransformation
		for _, t := range itt.GetTransformations() {
			if len(t.GetInfoTypes()) == 0 {
				chosen = t
				break
			}
			for _, x := range t.GetInfoTypes() {
				if x.GetName() == s.it {
					chosen = t
					break
				}
			}
			if chosen != nil {
				break
			}
		}
		if chosen == nil {
			continue
		}
		pt := chosen.GetPrimitiveTransformation()
		sum := d.summary(s.it, field, pt, nil, nil)
		out, err := d.run(sum, pt, strValue(text[s.start:s.end]), s.it, row)
		if err != nil {
			return "", err
		}
		b.WriteString(text[pos:s.start])
		b.WriteString(valueText(out))
		pos = s.end
	}
	b.WriteString(text[pos:])
	return b.String(), nil
}

func rowCtx(t *dlppb.Table, row *dlppb.Table_Row) rowContext {
	return func(name string) (*dlppb.Value, bool) {
		for i, h := range t.GetHeaders() {
			if h.GetName() == name && i < len(row.GetValues()) {
				return row.GetValues()[i], true
			}
		}
		return nil, false
	}
}

func evalCondition(c *dlppb.RecordCondition, row rowContext) (bool, error) {
	ex := c.GetExpressions()
	if ex == nil {
		return true, nil
	}
	conds := ex.GetConditions().GetConditions()
	or := ex.GetLogicalOperator() == dlppb.RecordCondition_Expressions_LogicalOperator(2)
	if len(conds) == 0 {
		return true, nil
	}
	for _, cd := range conds {
		v, ok := row(cd.GetField().GetName())
		if !ok {
			return false, invalid("Condition field %q is not a table header.", cd.GetField().GetName())
		}
		var r bool
		empty := v == nil || v.GetType() == nil
		switch cd.GetOperator() {
		case dlppb.RelationalOperator_EXISTS:
			r = !empty
		case dlppb.RelationalOperator_EQUAL_TO:
			r = !empty && compareValues(v, cd.GetValue()) == 0
		case dlppb.RelationalOperator_NOT_EQUAL_TO:
			r = empty || compareValues(v, cd.GetValue()) != 0
		case dlppb.RelationalOperator_GREATER_THAN:
			r = !empty && compareValues(v, cd.GetValue()) > 0
		case dlppb.RelationalOperator_LESS_THAN:
			r = !empty && compareValues(v, cd.GetValue()) < 0
		case dlppb.RelationalOperator_GREATER_THAN_OR_EQUALS:
			r = !empty && compareValues(v, cd.GetValue()) >= 0
		case dlppb.RelationalOperator_LESS_THAN_OR_EQUALS:
			r = !empty && compareValues(v, cd.GetValue()) <= 0
		default:
			return false, invalid("Condition operator is required.")
		}
		if or && r {
			return true, nil
		}
		if !or && !r {
			return false, nil
		}
	}
	return !or, nil
}

func (d *deid) transformItem(item *dlppb.ContentItem, cfg *dlppb.DeidentifyConfig, ins *inspector) (*dlppb.ContentItem, error) {
	if t := item.GetTable(); t != nil {
		return d.transformTable(t, cfg, ins)
	}
	text := item.GetValue()
	if cfg.GetRecordTransformations() != nil {
		return nil, invalid("record_transformations require a table content item.")
	}
	if bi := item.GetByteItem(); bi != nil {
		text = string(bi.GetData())
	}
	out, err := d.transformText(text, ins, cfg.GetInfoTypeTransformations(), nil, nil, nil)
	if err != nil {
		return nil, err
	}
	if bi := item.GetByteItem(); bi != nil {
		return &dlppb.ContentItem{DataItem: &dlppb.ContentItem_ByteItem{ByteItem: &dlppb.ByteContentItem{Type: bi.GetType(), Data: []byte(out)}}}, nil
	}
	return &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Value{Value: out}}, nil
}

func (d *deid) transformTable(t *dlppb.Table, cfg *dlppb.DeidentifyConfig, ins *inspector) (*dlppb.ContentItem, error) {
	out := &dlppb.Table{Headers: t.GetHeaders()}
	col := map[string]int{}
	for i, h := range t.GetHeaders() {
		col[h.GetName()] = i
	}
	rt := cfg.GetRecordTransformations()
	for _, ft := range rt.GetFieldTransformations() {
		for _, f := range ft.GetFields() {
			if _, ok := col[f.GetName()]; !ok {
				return nil, invalid("Field %q of a field transformation is not a table header.", f.GetName())
			}
		}
	}
rows:
	for _, row := range t.GetRows() {
		rc := rowCtx(t, row)
		for _, sup := range rt.GetRecordSuppressions() {
			ok, err := evalCondition(sup.GetCondition(), rc)
			if err != nil {
				return nil, err
			}
			if ok {
				sum := d.summary("", nil, nil, nil, sup)
				addResult(sum, dlppb.TransformationSummary_SUCCESS, "", 1)
				n := int64(0)
				for _, v := range row.GetValues() {
					n += int64(len(valueText(v)))
				}
				sum.TransformedBytes += n
				d.bytes += n
				continue rows
			}
		}
		vals := make([]*dlppb.Value, len(row.GetValues()))
		copy(vals, row.GetValues())
		if itt := cfg.GetInfoTypeTransformations(); itt != nil {
			for i, v := range vals {
				var h *dlppb.FieldId
				if i < len(t.GetHeaders()) {
					h = t.GetHeaders()[i]
				}
				txt := valueText(v)
				nt, err := d.transformText(txt, ins, itt, nil, h, rc)
				if err != nil {
					return nil, err
				}
				if nt != txt {
					vals[i] = strValue(nt)
				}
			}
		}
		for _, ft := range rt.GetFieldTransformations() {
			if ft.GetCondition() != nil {
				ok, err := evalCondition(ft.GetCondition(), rc)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
			}
			for _, f := range ft.GetFields() {
				i := col[f.GetName()]
				if i >= len(vals) {
					continue
				}
				v := vals[i]
				if pt := ft.GetPrimitiveTransformation(); pt != nil {
					if v == nil || v.GetType() == nil {
						continue
					}
					sum := d.summary("", f, pt, nil, nil)
					nv, err := d.run(sum, pt, v, "", rc)
					if err != nil {
						return nil, err
					}
					vals[i] = nv
				} else {
					txt := valueText(v)
					nt, err := d.transformText(txt, ins, ft.GetInfoTypeTransformations(), f, f, rc)
					if err != nil {
						return nil, err
					}
					if nt != txt {
						vals[i] = strValue(nt)
					}
				}
			}
		}
		out.Rows = append(out.Rows, &dlppb.Table_Row{Values: vals})
	}
	return &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: out}}, nil
}

func (d *deid) overview() *dlppb.TransformationOverview {
	return &dlppb.TransformationOverview{TransformedBytes: d.bytes, TransformationSummaries: d.sums}
}

// DeidentifyContent implements DlpService.DeidentifyContent.
func (s *Server) DeidentifyContent(ctx context.Context, req *dlppb.DeidentifyContentRequest) (_ *dlppb.DeidentifyContentResponse, err error) {
	defer recoverInternal(&err)
	if err := s.check("DeidentifyContent"); err != nil {
		return nil, err
	}
	if err := checkRequestSize(req); err != nil {
		return nil, err
	}
	if err := checkItem(req.GetItem()); err != nil {
		return nil, err
	}
	cfg, err := s.resolveDeidConfig(req.GetDeidentifyConfig(), req.GetDeidentifyTemplateName())
	if err != nil {
		return nil, err
	}
	if err := validateDeidConfig(cfg); err != nil {
		return nil, err
	}
	icfg, err := s.resolveInspectConfig(ctx, req.GetInspectConfig(), req.GetInspectTemplateName())
	if err != nil {
		return nil, err
	}
	icfg = proto.Clone(icfg).(*dlppb.InspectConfig)
	icfg.Limits = nil // finding limits do not apply to de-identification
	ins, err := newInspector(icfg)
	if err != nil {
		return nil, err
	}
	d := newDeid(ctx, s, cfg, false)
	item, err := d.transformItem(req.GetItem(), cfg, ins)
	if err != nil {
		return nil, err
	}
	return &dlppb.DeidentifyContentResponse{Item: item, Overview: d.overview()}, nil
}

// ReidentifyContent implements DlpService.ReidentifyContent: it reverses
// deterministic encryption, FPE and (with the same crypto key and context)
// date shifting.
func (s *Server) ReidentifyContent(ctx context.Context, req *dlppb.ReidentifyContentRequest) (_ *dlppb.ReidentifyContentResponse, err error) {
	defer recoverInternal(&err)
	if err := s.check("ReidentifyContent"); err != nil {
		return nil, err
	}
	if err := checkRequestSize(req); err != nil {
		return nil, err
	}
	if err := checkItem(req.GetItem()); err != nil {
		return nil, err
	}
	cfg, err := s.resolveDeidConfig(req.GetReidentifyConfig(), req.GetReidentifyTemplateName())
	if err != nil {
		return nil, err
	}
	if err := validateDeidConfig(cfg); err != nil {
		return nil, err
	}
	reversible := func(pt *dlppb.PrimitiveTransformation) error {
		switch pt.GetTransformation().(type) {
		case *dlppb.PrimitiveTransformation_CryptoDeterministicConfig, *dlppb.PrimitiveTransformation_CryptoReplaceFfxFpeConfig:
			return nil
		}
		return invalid("Re-identification supports only crypto_deterministic_config and crypto_replace_ffx_fpe_config transformations.")
	}
	for _, t := range cfg.GetInfoTypeTransformations().GetTransformations() {
		if err := reversible(t.GetPrimitiveTransformation()); err != nil {
			return nil, err
		}
	}
	for _, ft := range cfg.GetRecordTransformations().GetFieldTransformations() {
		if pt := ft.GetPrimitiveTransformation(); pt != nil {
			if err := reversible(pt); err != nil {
				return nil, err
			}
		}
		for _, t := range ft.GetInfoTypeTransformations().GetTransformations() {
			if err := reversible(t.GetPrimitiveTransformation()); err != nil {
				return nil, err
			}
		}
	}
	if len(cfg.GetRecordTransformations().GetRecordSuppressions()) > 0 {
		return nil, invalid("Record suppressions cannot be used for re-identification.")
	}
	icfg, err := s.resolveInspectConfig(ctx, req.GetInspectConfig(), req.GetInspectTemplateName())
	if err != nil {
		return nil, err
	}
	if cfg.GetInfoTypeTransformations() != nil || hasFieldITT(cfg) {
		hasSurrogate := false
		for _, c := range icfg.GetCustomInfoTypes() {
			if c.GetSurrogateType() != nil {
				hasSurrogate = true
			}
		}
		if !hasSurrogate {
			return nil, invalid("Re-identifying info type transformations requires inspect_config with a surrogate_type custom info type.")
		}
	}
	ins, err := newInspector(&dlppb.InspectConfig{CustomInfoTypes: icfg.GetCustomInfoTypes(), InfoTypes: icfg.GetInfoTypes(), MinLikelihood: icfg.GetMinLikelihood()})
	if err != nil {
		return nil, err
	}
	d := newDeid(ctx, s, cfg, true)
	item, err := d.transformItem(req.GetItem(), cfg, ins)
	if err != nil {
		return nil, err
	}
	return &dlppb.ReidentifyContentResponse{Item: item, Overview: d.overview()}, nil
}

func hasFieldITT(cfg *dlppb.DeidentifyConfig) bool {
	for _, ft := range cfg.GetRecordTransformations().GetFieldTransformations() {
		if ft.GetInfoTypeTransformations() != nil {
			return true
		}
	}
	return false
}

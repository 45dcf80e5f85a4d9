package dlp

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"math/big"
)

// FF1 format-preserving encryption, NIST SP 800-38G, over AES.
type ff1 struct {
	blk   cipher.Block
	radix int
}

func newFF1(key []byte, radix int) (*ff1, error) {
	if radix < 2 || radix > 1<<16 {
		return nil, errors.New("radix out of range")
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return &ff1{blk: b, radix: radix}, nil
}

func (f *ff1) prf(x []byte) []byte {
	y := make([]byte, 16)
	for i := 0; i < len(x); i += 16 {
		for j := 0; j < 16; j++ {
			y[j] ^= x[i+j]
		}
		f.blk.Encrypt(y, y)
	}
	return y
}

func (f *ff1) num(x []uint16) *big.Int {
	r := big.NewInt(int64(f.radix))
	n := new(big.Int)
	for _, d := range x {
		n.Mul(n, r)
		n.Add(n, big.NewInt(int64(d)))
	}
	return n
}

func (f *ff1) str(n *big.Int, m int) []uint16 {
	out := make([]uint16, m)
	r := big.NewInt(int64(f.radix))
	x := new(big.Int).Set(n)
	mod := new(big.Int)
	for i := m - 1; i >= 0; i-- {
		x.DivMod(x, r, mod)
		out[i] = uint16(mod.Int64())
	}
	return out
}

// minLen is the shortest input for which radix^len >= 100 (SP 800-38G).
func (f *ff1) minLen() int {
	n, p := 0, 1
	for p < 100 {
		p *= f.radix
		n++
	}
	if n < 2 {
		n = 2
	}
	return n
}

func (f *ff1) crypt(x []uint16, tweak []byte, decrypt bool) ([]uint16, error) {
	n := len(x)
	if n < f.minLen() {
		return nil, errors.New("input too short for format-preserving encryption")
	}
	u := n / 2
	v := n - u
	A := append([]uint16(nil), x[:u]...)
	B := append([]uint16(nil), x[u:]...)
	radix := big.NewInt(int64(f.radix))
	bv := new(big.Int).Exp(radix, big.NewInt(int64(v)), nil)
	bv.Sub(bv, big.NewInt(1))
	b := (bv.BitLen() + 7) / 8
	d := 4*((b+3)/4) + 4
	t := len(tweak)
	P := []byte{1, 2, 1, byte(f.radix >> 16), byte(f.radix >> 8), byte(f.radix), 10, byte(u),
		byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n), byte(t >> 24), byte(t >> 16), byte(t >> 8), byte(t)}
	pad := ((-t-b-1)%16 + 16) % 16
	modU := new(big.Int).Exp(radix, big.NewInt(int64(u)), nil)
	modV := new(big.Int).Exp(radix, big.NewInt(int64(v)), nil)
	round := func(i int, src []uint16) *big.Int {
		Q := make([]byte, 0, t+pad+1+b)
		Q = append(Q, tweak...)
		Q = append(Q, make([]byte, pad)...)
		Q = append(Q, byte(i))
		nb := f.num(src).Bytes()
		Q = append(Q, make([]byte, b-len(nb))...)
		Q = append(Q, nb...)
		R := f.prf(append(append([]byte(nil), P...), Q...))
		S := append([]byte(nil), R...)
		for j := 1; len(S) < d; j++ {
			blk := make([]byte, 16)
			copy(blk, R)
			blk[15] ^= byte(j)
			blk[14] ^= byte(j >> 8)
			blk[13] ^= byte(j >> 16)
			blk[12] ^= byte(j >> 24)
			f.blk.Encrypt(blk, blk)
			S = append(S, blk...)
		}
		return new(big.Int).SetBytes(S[:d])
	}
	if !decrypt {
		for i := 0; i < 10; i++ {
			m, mod := u, modU
			if i%2 == 1 {
				m, mod = v, modV
			}
			y := round(i, B)
			c := new(big.Int).Add(f.num(A), y)
			c.Mod(c, mod)
			A, B = B, f.str(c, m)
		}
	} else {
		for i := 9; i >= 0; i-- {
			m, mod := u, modU
			if i%2 == 1 {
				m, mod = v, modV
			}
			y := round(i, A)
			c := new(big.Int).Sub(f.num(B), y)
			c.Mod(c, mod)
			B, A = A, f.str(c, m)
		}
	}
	return append(A, B...), nil
}

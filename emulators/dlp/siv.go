package dlp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"errors"
)

// AES-SIV (RFC 5297) built on the standard library. key holds K1||K2 and
// must be 32, 48 or 64 bytes.

func dbl(b []byte) {
	carry := b[0] >> 7
	for i := 0; i < 15; i++ {
		b[i] = b[i]<<1 | b[i+1]>>7
	}
	b[15] = b[15]<<1 ^ (carry * 0x87)
}

func cmac(c cipher.Block, msg []byte) []byte {
	k1 := make([]byte, 16)
	c.Encrypt(k1, k1)
	dbl(k1)
	k2 := append([]byte(nil), k1...)
	dbl(k2)
	x := make([]byte, 16)
	n := len(msg)
	blocks := (n + 15) / 16
	complete := n > 0 && n%16 == 0
	if blocks == 0 {
		blocks = 1
	}
	for i := 0; i < blocks-1; i++ {
		subtle.XORBytes(x, x, msg[i*16:i*16+16])
		c.Encrypt(x, x)
	}
	last := make([]byte, 16)
	rest := msg[(blocks-1)*16:]
	if complete {
		subtle.XORBytes(last, rest, k1)
	} else {
		copy(last, rest)
		last[len(rest)] = 0x80
		subtle.XORBytes(last, last, k2)
	}
	subtle.XORBytes(x, x, last)
	c.Encrypt(x, x)
	return x
}

func s2v(c cipher.Block, ad [][]byte, p []byte) []byte {
	d := cmac(c, make([]byte, 16))
	for _, a := range ad {
		dbl(d)
		subtle.XORBytes(d, d, cmac(c, a))
	}
	var t []byte
	if len(p) >= 16 {
		t = append([]byte(nil), p...)
		subtle.XORBytes(t[len(t)-16:], t[len(t)-16:], d)
	} else {
		dbl(d)
		t = make([]byte, 16)
		copy(t, p)
		t[len(p)] = 0x80
		subtle.XORBytes(t, t, d)
	}
	return cmac(c, t)
}

func sivCTR(k2 cipher.Block, v, in []byte) []byte {
	q := append([]byte(nil), v...)
	q[8] &= 0x7f
	q[12] &= 0x7f
	out := make([]byte, len(in))
	cipher.NewCTR(k2, q).XORKeyStream(out, in)
	return out
}

func sivKeys(key []byte) (cipher.Block, cipher.Block, error) {
	if len(key) != 32 && len(key) != 48 && len(key) != 64 {
		return nil, nil, errors.New("AES-SIV key must be 32, 48 or 64 bytes")
	}
	h := len(key) / 2
	k1, err := aes.NewCipher(key[:h])
	if err != nil {
		return nil, nil, err
	}
	k2, err := aes.NewCipher(key[h:])
	if err != nil {
		return nil, nil, err
	}
	return k1, k2, nil
}

func sivSeal(key []byte, plaintext []byte, ad ...[]byte) ([]byte, error) {
	k1, k2, err := sivKeys(key)
	if err != nil {
		return nil, err
	}
	v := s2v(k1, ad, plaintext)
	return append(v, sivCTR(k2, v, plaintext)...), nil
}

func sivOpen(key []byte, ct []byte, ad ...[]byte) ([]byte, error) {
	k1, k2, err := sivKeys(key)
	if err != nil {
		return nil, err
	}
	if len(ct) < 16 {
		return nil, errors.New("ciphertext too short")
	}
	v := ct[:16]
	p := sivCTR(k2, v, ct[16:])
	if subtle.ConstantTimeCompare(s2v(k1, ad, p), v) != 1 {
		return nil, errors.New("authentication failed")
	}
	return p, nil
}

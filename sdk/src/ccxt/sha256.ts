/**
 * SHA-256 (FIPS 180-4), synchronous, in the shape ccxt's `hash()` and `hmac()`
 * helpers take (a `@noble/hashes` hasher: callable, with `create()`,
 * `blockLen`, `outputLen`). ccxt keeps its own `sha256` behind its package
 * exports, so the exchange class brings one that ccxt's HMAC can drive; the
 * test checks it against node:crypto.
 */

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const BLOCK = 64;
const OUT = 32;

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/** An incremental SHA-256 state (the `Hash` interface ccxt's HMAC drives). */
export class Sha256State {
  readonly blockLen = BLOCK;
  readonly outputLen = OUT;
  private h = Uint32Array.from(IV);
  private readonly w = new Uint32Array(64);
  private buffer = new Uint8Array(BLOCK);
  private buffered = 0;
  private length = 0;
  private finished = false;

  update(data: Uint8Array): this {
    if (this.finished) throw new Error("sha256: update after digest");
    let i = 0;
    this.length += data.length;
    while (i < data.length) {
      const take = Math.min(BLOCK - this.buffered, data.length - i);
      this.buffer.set(data.subarray(i, i + take), this.buffered);
      this.buffered += take;
      i += take;
      if (this.buffered === BLOCK) {
        this.compress(this.buffer);
        this.buffered = 0;
      }
    }
    return this;
  }

  digestInto(out: Uint8Array): void {
    if (this.finished) throw new Error("sha256: digest twice");
    if (out.length < OUT) throw new RangeError("sha256: output shorter than 32 bytes");
    this.finished = true;
    const bits = this.length * 8;
    const tail = new Uint8Array(this.buffered < 56 ? BLOCK : 2 * BLOCK);
    tail.set(this.buffer.subarray(0, this.buffered));
    tail[this.buffered] = 0x80;
    const view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, Math.floor(bits / 2 ** 32));
    view.setUint32(tail.length - 4, bits >>> 0);
    for (let off = 0; off < tail.length; off += BLOCK) this.compress(tail.subarray(off, off + BLOCK));
    const o = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (let j = 0; j < 8; j++) o.setUint32(j * 4, this.h[j] as number);
  }

  digest(): Uint8Array {
    const out = new Uint8Array(OUT);
    this.digestInto(out);
    return out;
  }

  _cloneInto(to?: Sha256State): Sha256State {
    const copy = to ?? new Sha256State();
    copy.h = Uint32Array.from(this.h);
    copy.buffer = Uint8Array.from(this.buffer);
    copy.buffered = this.buffered;
    copy.length = this.length;
    copy.finished = this.finished;
    return copy;
  }

  clone(): Sha256State {
    return this._cloneInto();
  }

  destroy(): void {
    this.h.fill(0);
    this.buffer.fill(0);
  }

  private compress(block: Uint8Array): void {
    const w = this.w;
    const view = new DataView(block.buffer, block.byteOffset, BLOCK);
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(t * 4);
    for (let t = 16; t < 64; t++) {
      const w15 = w[t - 15] as number;
      const w2 = w[t - 2] as number;
      const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
      const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
      w[t] = ((w[t - 16] as number) + s0 + (w[t - 7] as number) + s1) | 0;
    }
    const h = this.h;
    let [a, b, c, d, e, f, g, hh] = [h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]] as number[] as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    for (let t = 0; t < 64; t++) {
      const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + (K[t] as number) + (w[t] as number)) | 0;
      const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = ((h[0] as number) + a) | 0;
    h[1] = ((h[1] as number) + b) | 0;
    h[2] = ((h[2] as number) + c) | 0;
    h[3] = ((h[3] as number) + d) | 0;
    h[4] = ((h[4] as number) + e) | 0;
    h[5] = ((h[5] as number) + f) | 0;
    h[6] = ((h[6] as number) + g) | 0;
    h[7] = ((h[7] as number) + hh) | 0;
  }
}

/** A hasher as `@noble/hashes`' `createHasher` makes them: `sha256(bytes)` and `sha256.create()`. */
export interface Hasher {
  (message: Uint8Array): Uint8Array;
  readonly outputLen: number;
  readonly blockLen: number;
  create(): Sha256State;
}

export const sha256: Hasher = Object.freeze(
  Object.assign((message: Uint8Array) => new Sha256State().update(message).digest(), {
    outputLen: OUT,
    blockLen: BLOCK,
    create: () => new Sha256State(),
  }),
);

/**
 * IP allowlists of API keys: IPv4 and IPv6 addresses or CIDR blocks, matched
 * against the client address (`CF-Connecting-IP`). An IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`) matches IPv4 entries.
 */

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
type Address = Uint8Array;

interface Block {
  bytes: Address;
  prefix: number;
}

/** Parses an IPv4 or IPv6 address; undefined if it is neither. */
export function parseIp(text: string): Address | undefined {
  const v4 = parseIpv4(text);
  if (v4) return v4;
  const v6 = parseIpv6(text);
  if (!v6) return undefined;
  // IPv4-mapped IPv6 → IPv4.
  if (v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) return v6.slice(12);
  return v6;
}

/** Parses `addr` or `addr/prefix`; undefined if malformed (a prefix beyond the address length included). */
export function parseBlock(text: string): Block | undefined {
  const [addr, prefixText, extra] = text.trim().split("/");
  if (addr === undefined || extra !== undefined) return undefined;
  const bytes = parseIp(addr);
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  if (prefixText === undefined) return { bytes, prefix: max };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  let prefix = Number(prefixText);
  // A mapped IPv6 block such as ::ffff:10.0.0.0/104 becomes the IPv4 block 10.0.0.0/8.
  if (bytes.length === 4 && addr.includes(":")) prefix -= 96;
  if (prefix < 0 || prefix > max) return undefined;
  return { bytes, prefix };
}

/** The entries that are neither an address nor a CIDR block. */
export function invalidAllowlistEntries(entries: readonly string[]): string[] {
  return entries.filter((e) => parseBlock(e) === undefined);
}

/** True if `ip` is inside any entry. A missing or malformed `ip` never matches. */
export function ipAllowed(allowlist: readonly string[], ip: string | undefined): boolean {
  if (ip === undefined) return false;
  const address = parseIp(ip);
  if (!address) return false;
  return allowlist.some((entry) => {
    const block = parseBlock(entry);
    return block !== undefined && inBlock(address, block);
  });
}

function inBlock(address: Address, { bytes, prefix }: Block): boolean {
  if (address.length !== bytes.length) return false;
  const full = Math.floor(prefix / 8);
  for (let i = 0; i < full; i++) if (address[i] !== bytes[i]) return false;
  const rest = prefix % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((address[full] as number) & mask) === ((bytes[full] as number) & mask);
}

function parseIpv4(text: string): Address | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (const [i, part] of parts.entries()) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIpv6(text: string): Address | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length > 45) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined): number[] | undefined => {
    if (half === undefined || half === "") return [];
    const out: number[] = [];
    const parts = half.split(":");
    for (const [i, part] of parts.entries()) {
      if (i === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part);
        if (!v4) return undefined;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
      out.push(Number.parseInt(part, 16));
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  if (!head || !tail) return undefined;
  const compressed = halves.length === 2;
  const missing = 8 - head.length - tail.length;
  if (compressed ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(compressed ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (const [i, g] of all.entries()) {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  }
  return out;
}

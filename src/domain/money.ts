// Exact decimal arithmetic for amounts, quantities and rates.
// Amounts travel as decimal strings ("1234.50") through the model and the API, and are computed
// here on BigInt scaled integers: binary floating point never touches money.

const DECIMAL_PATTERN = /^([+-])?(\d+)(?:\.(\d+))?$/;

export class Decimal {
  private constructor(
    /** value = units / 10^scale */
    readonly units: bigint,
    readonly scale: number,
  ) {}

  static readonly ZERO = new Decimal(0n, 0);

  /** Parses "12", "-0.50", "1 234,56" (French grouping and comma), "+3.0". Throws on anything else. */
  static parse(text: string): Decimal {
    const normalised = text.trim().replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
    const match = DECIMAL_PATTERN.exec(normalised);
    if (!match) throw new RangeError(`not a decimal number: "${text}"`);
    const [, sign, integer, fraction = ''] = match;
    const units = BigInt(`${integer}${fraction}`) * (sign === '-' ? -1n : 1n);
    return new Decimal(units, fraction.length);
  }

  static tryParse(text: string | null | undefined): Decimal | null {
    if (text == null) return null;
    try {
      return Decimal.parse(text);
    } catch {
      return null;
    }
  }

  static fromCents(cents: bigint | number): Decimal {
    return new Decimal(BigInt(cents), 2);
  }

  static fromInteger(value: bigint | number): Decimal {
    return new Decimal(BigInt(value), 0);
  }

  private rescaled(scale: number): bigint {
    if (scale < this.scale) throw new RangeError('rescaling down loses digits; use round()');
    return this.units * 10n ** BigInt(scale - this.scale);
  }

  private static align(a: Decimal, b: Decimal): [bigint, bigint, number] {
    const scale = Math.max(a.scale, b.scale);
    return [a.rescaled(scale), b.rescaled(scale), scale];
  }

  add(other: Decimal): Decimal {
    const [a, b, scale] = Decimal.align(this, other);
    return new Decimal(a + b, scale);
  }

  sub(other: Decimal): Decimal {
    const [a, b, scale] = Decimal.align(this, other);
    return new Decimal(a - b, scale);
  }

  mul(other: Decimal): Decimal {
    return new Decimal(this.units * other.units, this.scale + other.scale);
  }

  /** Division rounded half away from zero to `scale` digits. */
  div(other: Decimal, scale: number): Decimal {
    if (other.units === 0n) throw new RangeError('division by zero');
    // this/other = (a/10^sa) / (b/10^sb) = a*10^sb / (b*10^sa); compute with two guard digits.
    const numerator = this.units * 10n ** BigInt(other.scale + scale + 1);
    const denominator = other.units * 10n ** BigInt(this.scale);
    return new Decimal(numerator / denominator, scale + 1).round(scale);
  }

  neg(): Decimal {
    return new Decimal(-this.units, this.scale);
  }

  abs(): Decimal {
    return this.units < 0n ? this.neg() : this;
  }

  /** Rounds half away from zero (the commercial rounding EN 16931 and Hélios expect). */
  round(scale: number): Decimal {
    if (scale >= this.scale) return new Decimal(this.rescaled(scale), scale);
    const divisor = 10n ** BigInt(this.scale - scale);
    const negative = this.units < 0n;
    const magnitude = negative ? -this.units : this.units;
    let quotient = magnitude / divisor;
    if ((magnitude % divisor) * 2n >= divisor) quotient += 1n;
    return new Decimal(negative ? -quotient : quotient, scale);
  }

  compare(other: Decimal): -1 | 0 | 1 {
    const [a, b] = Decimal.align(this, other);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  eq(other: Decimal): boolean {
    return this.compare(other) === 0;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  isNegative(): boolean {
    return this.units < 0n;
  }

  /** Integer cents, rounding half away from zero: the storage form of document-level amounts. */
  toCents(): bigint {
    return this.round(2).units;
  }

  /** Plain decimal string with exactly `scale` digits when given, else the shortest exact form. */
  toString(scale?: number): string {
    const value = scale === undefined ? this.trimmed() : this.round(scale);
    const negative = value.units < 0n;
    const digits = (negative ? -value.units : value.units).toString().padStart(value.scale + 1, '0');
    const integer = digits.slice(0, digits.length - value.scale);
    const fraction = digits.slice(digits.length - value.scale);
    return `${negative ? '-' : ''}${integer}${fraction ? `.${fraction}` : ''}`;
  }

  /** "1 234,50" with narrow no-break spaces, as French screens and e-mails show amounts. */
  toFrench(scale = 2): string {
    const [integer = '0', fraction] = this.toString(scale).split('.');
    const negative = integer.startsWith('-');
    const grouped = (negative ? integer.slice(1) : integer).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
    return `${negative ? '-' : ''}${grouped}${fraction ? `,${fraction}` : ''}`;
  }

  toJSON(): string {
    return this.toString();
  }

  private trimmed(): Decimal {
    let { units, scale } = this;
    while (scale > 0 && units % 10n === 0n) {
      units /= 10n;
      scale -= 1;
    }
    return new Decimal(units, scale);
  }
}

/** Sums decimal strings exactly. */
export function sumDecimals(values: Iterable<Decimal>): Decimal {
  let total = Decimal.ZERO;
  for (const value of values) total = total.add(value);
  return total;
}

/** Normalises a decimal string to two digits ("12.5" → "12.50"); null stays null. */
export function toAmountString(value: string | null | undefined): string | null {
  const parsed = Decimal.tryParse(value);
  return parsed ? parsed.toString(2) : null;
}

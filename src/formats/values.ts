// Small value conversions shared by the readers: every one is strict about what it accepts, and
// names the element when it refuses a value (an amount that is not a decimal number, a bad date).
import { createHash, type Hash } from 'node:crypto';

import type { InvoiceSyntax, Party, PartyIdentifier } from '../domain/invoice.ts';
import { emptyParty, isValidSiret } from '../domain/invoice.ts';
import { InvoiceFormatError } from './errors.ts';

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

export function text(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** A decimal number exactly as written (trailing zeros kept), or an error naming the element. */
export function decimal(value: string, file: string, element: string): string | null {
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (!DECIMAL.test(trimmed)) {
    throw new InvoiceFormatError(file, `element ${element}`, `holds "${trimmed.slice(0, 40)}", which is not a decimal number`);
  }
  const normalised = trimmed.startsWith('+') ? trimmed.slice(1) : trimmed;
  if (normalised.startsWith('.')) return `0${normalised}`;
  if (normalised.startsWith('-.')) return `-0${normalised.slice(1)}`;
  return normalised.endsWith('.') ? normalised.slice(0, -1) : normalised;
}

/** YYYY-MM-DD from YYYY-MM-DD, YYYYMMDD (CII format 102) or an ISO date-time. */
export function isoDate(value: string, file: string, element: string): string | null {
  const trimmed = value.trim();
  if (trimmed === '') return null;
  let match = /^(\d{4})-(\d{2})-(\d{2})/.exec(trimmed);
  if (!match) match = /^(\d{4})(\d{2})(\d{2})$/.exec(trimmed);
  // CII format 610 (YYYYMM) and 616 (YYYYWW) name a month or a week, not a day: no date to give.
  if (!match && /^\d{6}$/.test(trimmed)) return null;
  if (!match) {
    throw new InvoiceFormatError(file, `element ${element}`, `holds "${trimmed.slice(0, 40)}", which is not a date (YYYY-MM-DD or YYYYMMDD)`);
  }
  const [, year, month, day] = match;
  const date = `${year}-${month}-${day}`;
  const check = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== date) {
    throw new InvoiceFormatError(file, `element ${element}`, `holds "${trimmed}", which is not a calendar date`);
  }
  return date;
}

export function newSyntax(root: InvoiceSyntax['root']): InvoiceSyntax {
  return { root, amountCurrencies: [], paymentMeansCodes: [], accountsWithoutId: 0, transfersWithoutAccountId: 0, emptyLinePeriods: [], baseQuantityUnits: [] };
}

/** Records an amount's currencyID once (BR-CL-03 checks each distinct value). */
export function noteCurrency(syntax: InvoiceSyntax, attributes: Record<string, string>): void {
  const currency = attributes.currencyID?.trim();
  if (currency !== undefined && !syntax.amountCurrencies.includes(currency)) syntax.amountCurrencies.push(currency);
}

export function newParty(): Party {
  return { ...emptyParty(), electronicAddress: null, taxRegistrationId: null };
}

/** The SIRET of a party when one can be derived: scheme 0009 / "SIRET" / Chorus type 1, or a 14-digit legal id. */
export function deriveSiret(party: Party): string | null {
  const candidates: string[] = [];
  for (const identifier of party.identifiers) {
    if (isSiretScheme(identifier.scheme)) candidates.push(identifier.id);
  }
  if (party.legalId && (isSiretScheme(party.legalIdScheme) || party.legalIdScheme === null)) candidates.push(party.legalId);
  if (party.electronicAddress && isSiretScheme(party.electronicAddress.scheme)) candidates.push(party.electronicAddress.id);
  for (const candidate of candidates) {
    const digits = candidate.replace(/\s/g, '');
    if (/^\d{14}$/.test(digits) && isValidSiret(digits)) return digits;
  }
  for (const identifier of party.identifiers) {
    const digits = identifier.id.replace(/\s/g, '');
    if (identifier.scheme === null && /^\d{14}$/.test(digits) && isValidSiret(digits)) return digits;
  }
  return null;
}

function isSiretScheme(scheme: string | null): boolean {
  if (scheme === null) return false;
  const normalised = scheme.trim().toUpperCase();
  return normalised === '0009' || normalised === 'SIRET' || normalised === '1';
}

export function identifier(textValue: string, attributes: Record<string, string>): PartyIdentifier | null {
  const id = text(textValue);
  if (id === null) return null;
  return { id, scheme: text(attributes.schemeID ?? attributes.schemeName ?? '') };
}

/**
 * Decodes base64 as it streams in (saxes hands text over in chunks), hashing on the way, so that
 * a large attachment is never held twice as text. Refuses payloads beyond the size limit.
 */
export class Base64Sink {
  private carry = '';
  private readonly parts: Buffer[] = [];
  private readonly hash: Hash = createHash('sha256');
  size = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly file: string,
    private readonly element: string,
  ) {}

  write(chunk: string): void {
    let data = this.carry + chunk.replace(/[^A-Za-z0-9+/=_-]/g, '');
    const usable = data.length - (data.length % 4);
    this.carry = data.slice(usable);
    data = data.slice(0, usable);
    if (data.length === 0) return;
    const bytes = Buffer.from(data, 'base64');
    this.size += bytes.length;
    if (this.size > this.maxBytes) {
      throw new InvoiceFormatError(this.file, `element ${this.element}`, `carries more than the limit of ${this.maxBytes} bytes`);
    }
    this.parts.push(bytes);
    this.hash.update(bytes);
  }

  finish(): { content: Uint8Array; sha256: string; size: number } {
    if (this.carry.length > 0) {
      const bytes = Buffer.from(this.carry, 'base64');
      this.size += bytes.length;
      this.parts.push(bytes);
      this.hash.update(bytes);
      this.carry = '';
    }
    const content = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    return { content: new Uint8Array(content.buffer, content.byteOffset, content.byteLength), sha256: this.hash.digest('hex'), size: this.size };
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

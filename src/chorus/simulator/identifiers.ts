// Valid French identifiers for seeded data: SIREN/SIRET with their Luhn key, intra-EU VAT numbers
// (FR + key + SIREN) and IBANs with correct ISO 13616 check digits.
import { luhn as luhnValid } from '../../domain/invoice.ts';
import type { Rng } from './prng.ts';

function luhnCheckDigit(payload: string): string {
  // The digit d such that payload + d passes the Luhn test.
  for (let digit = 0; digit <= 9; digit += 1) {
    if (luhnValid(`${payload}${digit}`)) return String(digit);
  }
  throw new Error('unreachable');
}


/** A 9-digit SIREN starting with `prefix` (e.g. "21" for a commune), Luhn-valid. */
export function makeSiren(rng: Rng, prefix = ''): string {
  let body = prefix;
  while (body.length < 8) body += String(rng.int(0, 9));
  return `${body}${luhnCheckDigit(body)}`;
}

/** A 14-digit SIRET of `siren`, Luhn-valid over the 14 digits, with the 4-digit NIC `nic` and a computed key. */
export function makeSiret(siren: string, nic: number): string {
  const body = `${siren}${String(nic).padStart(4, '0')}`;
  return `${body}${luhnCheckDigit(body)}`;
}

/** French intra-community VAT number: FR + key + SIREN, key = (12 + 3 × (SIREN mod 97)) mod 97. */
export function frenchVatId(siren: string): string {
  const key = (12 + 3 * (Number(siren) % 97)) % 97;
  return `FR${String(key).padStart(2, '0')}${siren}`;
}

function mod97(digits: string): number {
  let remainder = 0;
  for (const char of digits) remainder = (remainder * 10 + Number(char)) % 97;
  return remainder;
}

function ibanNumeric(text: string): string {
  return [...text.toUpperCase()].map((char) => (/[A-Z]/.test(char) ? String(char.charCodeAt(0) - 55) : char)).join('');
}

/** ISO 13616 check digits of an IBAN given its country code and BBAN. */
export function ibanCheckDigits(country: string, bban: string): string {
  const remainder = mod97(ibanNumeric(`${bban}${country}00`));
  return String(98 - remainder).padStart(2, '0');
}

export function isValidIban(iban: string): boolean {
  const compact = iban.replace(/\s/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(compact)) return false;
  return mod97(ibanNumeric(`${compact.slice(4)}${compact.slice(0, 4)}`)) === 1;
}

/** A French IBAN (FRkk + bank 5 + branch 5 + account 11 + RIB key 2) with a valid RIB key too. */
export function makeFrenchIban(rng: Rng): string {
  const digits = (count: number) => Array.from({ length: count }, () => String(rng.int(0, 9))).join('');
  const bank = digits(5);
  const branch = digits(5);
  const account = digits(11);
  const ribKey = 97 - Number((89n * BigInt(bank) + 15n * BigInt(branch) + 3n * BigInt(account)) % 97n);
  const bban = `${bank}${branch}${account}${String(ribKey).padStart(2, '0')}`;
  return `FR${ibanCheckDigits('FR', bban)}${bban}`;
}

/** BICs of real French banks, for realism only. */
export const FRENCH_BANKS: readonly { name: string; bic: string }[] = [
  { name: 'Crédit Agricole', bic: 'AGRIFRPPXXX' },
  { name: 'BNP Paribas', bic: 'BNPAFRPPXXX' },
  { name: 'Société Générale', bic: 'SOGEFRPPXXX' },
  { name: 'Banque Populaire', bic: 'CCBPFRPPXXX' },
  { name: "Caisse d'Épargne", bic: 'CEPAFRPPXXX' },
  { name: 'Crédit Mutuel', bic: 'CMCIFRPPXXX' },
  { name: 'La Banque Postale', bic: 'PSSTFRPPXXX' },
  { name: 'LCL', bic: 'CRLYFRPPXXX' },
];

/**
 * ISO 4217 minor units: the number of decimals every invoice amount is
 * rounded to. The table lists the active codes (funds codes included;
 * precious metals and testing codes, which have no minor unit, excluded).
 * A few codes recently withdrawn are kept so older contracts still rate.
 */
import { ValidationError } from './errors.ts';

const BY_DECIMALS: Readonly<Record<0 | 2 | 3 | 4, string>> = {
  0: 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF',
  2:
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL ' +
    'GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD ' +
    'LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN ' +
    'PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL ' +
    'THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL',
  3: 'BHD IQD JOD KWD LYD OMR TND',
  4: 'CLF UYW',
};

const MINOR_UNITS: ReadonlyMap<string, number> = new Map(
  Object.entries(BY_DECIMALS).flatMap(([decimals, codes]) =>
    codes.split(' ').map((code): [string, number] => [code, Number(decimals)]),
  ),
);

/** True for an active ISO 4217 code with a minor unit ("EUR", "JPY"). */
export function isCurrencyCode(code: unknown): code is string {
  return typeof code === 'string' && MINOR_UNITS.has(code);
}

/**
 * The ISO 4217 minor unit of `code`: EUR 2, JPY 0, BHD 3, CLF 4.
 * Throws `ValidationError('CURRENCY_UNKNOWN')` for any other string.
 */
export function minorUnit(code: string): number {
  const decimals = MINOR_UNITS.get(code);
  if (decimals === undefined) {
    throw new ValidationError('CURRENCY_UNKNOWN', [
      { path: 'currency', rule: 'expected an ISO 4217 currency code', value: code },
    ]);
  }
  return decimals;
}

/** Every known code, sorted; for documentation and tests. */
export function currencyCodes(): string[] {
  return [...MINOR_UNITS.keys()].sort();
}

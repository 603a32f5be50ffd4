/** The token a command sends: flag first, then SB_TOKEN. */
import { describe, expect, it } from 'vitest';
import { authorization, tokenFrom } from './token.ts';

describe('tokenFrom', () => {
  it('takes the flag over the environment, and neither when empty', () => {
    expect(tokenFrom('sbk_flag', { SB_TOKEN: 'sbk_env' })).toBe('sbk_flag');
    expect(tokenFrom(undefined, { SB_TOKEN: 'sbk_env' })).toBe('sbk_env');
    expect(tokenFrom(undefined, { SB_TOKEN: '' })).toBeUndefined();
    expect(tokenFrom(undefined, {})).toBeUndefined();
  });

  it('sends it as a bearer token', () => {
    expect(authorization('sbk_x')).toEqual({ authorization: 'Bearer sbk_x' });
    expect(authorization(undefined)).toEqual({});
  });
});

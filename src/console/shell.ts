/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * What every page of the console shares: who is logged in, what the role
 * may do, how a page is drawn and how a refusal is shown.
 */
import { ApiError } from './api.ts';
import { h } from './dom.ts';

export interface Whoami {
  party: string;
  credential: { id: string; name: string; role: string };
  bilaterals: string[] | null;
  permissions: string[];
}

export const session: { me: Whoami | undefined } = { me: undefined };

export const main = () => document.getElementById('main')!;
export const may = (permission: string) => session.me?.permissions.includes(permission) ?? false;

export function say(text: string): void {
  document.getElementById('status')!.textContent = text;
}

export function page(title: string, ...content: (Node | string | null)[]): void {
  const root = main();
  root.replaceChildren(h('h1', {}, title), ...content.filter((c): c is Node | string => c !== null));
  document.title = `${title} — Smart Bilaterals console`;
}

export function problem(error: unknown): HTMLElement {
  if (error instanceof ApiError && error.status === 403) {
    return h(
      'p',
      { class: 'error', role: 'alert' },
      `Your role may not see or do this (${error.code}): ${error.message}`,
    );
  }
  if (error instanceof ApiError && error.status === 401) {
    return h(
      'p',
      { class: 'error', role: 'alert' },
      `Your credential was refused (${error.code}): log in again.`,
    );
  }
  const text = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
  return h('p', { class: 'error', role: 'alert' }, text);
}

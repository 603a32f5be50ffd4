/** For the access module's tests: what a promise was rejected with. No test-runner imports. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ code?: string; status?: number; message: string; issues?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; status?: number; message: string };
  }
  throw new Error('expected a rejection');
}

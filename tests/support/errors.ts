import { AppError } from '../../main/http/errors';

/** Awaits a call that must fail with an AppError and returns that error. */
export async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

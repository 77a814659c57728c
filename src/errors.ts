// Coded errors and the one JSON error envelope every API answer uses: {"error": {"code", "message"}}.

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string) => new AppError(400, code, message);
export const notFound = (message = "counter not found") => new AppError(404, "not_found", message);
export const unauthorized = () =>
  new AppError(401, "unauthorized", "a valid admin token is required: Authorization: Bearer TOKEN");
export const blockedCounter = () =>
  new AppError(403, "blocked", "this counter was blocked by the operator of this server");
export const tooMany = (message: string) => new AppError(429, "rate_limited", message);

export function envelope(code: string, message: string) {
  return { error: { code, message } };
}

// A request the operator refuses: carries the HTTP status and the plain JSON body it answers with.
import type { Uid2ResponseStatus } from '../client/uid2Identity.js';

export class Uid2OperatorError extends Error {
  readonly httpStatus: number;
  readonly status: Uid2ResponseStatus;

  constructor(httpStatus: number, status: Uid2ResponseStatus, message: string) {
    super(message);
    this.name = 'Uid2OperatorError';
    this.httpStatus = httpStatus;
    this.status = status;
  }

  /** {"status":…,"message":…}, the body of the operator's non-200 answers (401s carry no message) */
  toJSON(): { status: Uid2ResponseStatus; message?: string } {
    return this.message ? { status: this.status, message: this.message } : { status: this.status };
  }
}

/** 400 client_error, the answer to most malformed requests */
export function clientError(message: string): Uid2OperatorError {
  return new Uid2OperatorError(400, 'client_error', message);
}

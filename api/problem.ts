import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type ErrorCode, type FieldError, isOrdoError, OrdoError } from '../domain/errors.js';

/**
 * The one place where Ordo's error vocabulary becomes HTTP. Every error response is RFC 9457
 * problem+json that also carries the TMF622 `Error` fields (`code`, `reason`, `message`), so
 * generic HTTP clients and TMF clients both read it. 5xx bodies never leak internals.
 */
const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  NOT_AWAITING_APPROVAL: 409,
  ORDER_TERMINAL: 409,
  TASK_NOT_FOUND: 404,
  TASK_NOT_HUMAN: 409,
  TASK_NOT_OPEN: 409,
  FALLOUT_NOT_FOUND: 404,
  FALLOUT_CLOSED: 409,
  SKIP_MANDATORY_TASK: 409,
  PONR_REACHED: 409,
  CANCELLATION_IN_PROGRESS: 409,
  CHANGE_IN_PROGRESS: 409,
  QUANTITY_BELOW_COMPLETED: 409,
  CHANGE_REQUEST_NOT_FOUND: 404,
  CHANGE_REQUEST_CLOSED: 409,
  ORDER_NOT_READY: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

const TITLE: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request is not valid',
  MALFORMED_REQUEST: 'The request could not be read',
  UNAUTHENTICATED: 'A valid API key is required',
  FORBIDDEN: 'Your role may not do this',
  NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  CONFLICT: 'The request conflicts with the current state',
  NOT_AWAITING_APPROVAL: 'The order is not awaiting approval',
  ORDER_TERMINAL: 'The order has ended',
  TASK_NOT_FOUND: 'No such task',
  TASK_NOT_HUMAN: 'Only human tasks are completed by hand',
  TASK_NOT_OPEN: 'The task is not open for that',
  FALLOUT_NOT_FOUND: 'No such fallout',
  FALLOUT_CLOSED: 'The fallout is no longer open',
  SKIP_MANDATORY_TASK: 'A mandatory task cannot be skipped',
  PONR_REACHED: 'The point of no return has been reached',
  CANCELLATION_IN_PROGRESS: 'A cancellation is already being carried out',
  CHANGE_IN_PROGRESS: 'Another change of the order is open',
  QUANTITY_BELOW_COMPLETED: 'The quantity cannot go below what passed the point of no return',
  CHANGE_REQUEST_NOT_FOUND: 'No such change request',
  CHANGE_REQUEST_CLOSED: 'The change request is no longer open',
  ORDER_NOT_READY: 'The order cannot take this yet',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported content type',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency-Key reused for a different request',
  RATE_LIMITED: 'Too many requests',
  INTERNAL: 'Internal error',
  UNAVAILABLE: 'A dependency is unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  /** TMF622 Error fields. */
  code: ErrorCode;
  reason: string;
  message: string;
  errors?: FieldError[];
}

export const statusOf = (code: ErrorCode) => STATUS[code];

export function toProblem(error: OrdoError, instance: string): Problem {
  return {
    type: `urn:ordo:problem:${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLE[error.code],
    status: STATUS[error.code],
    detail: error.message,
    instance,
    code: error.code,
    reason: TITLE[error.code],
    message: error.message,
    ...(error.errors.length > 0 ? { errors: error.errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, error: OrdoError): FastifyReply {
  const problem = toProblem(error, reply.request.url);
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

/** Fastify's own errors (bad JSON, wrong content type, body limit, schema validation) in our vocabulary. */
export function classifyError(error: FastifyError | Error): OrdoError {
  if (isOrdoError(error)) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as FastifyError).validationContext ?? 'body';
    const errors = error.validation.flatMap((v): FieldError[] => {
      const path = [where, ...v.instancePath.split('/').filter(Boolean)];
      const unknown = v.keyword === 'unrecognized_keys' ? ((v.params as { keys?: string[] }).keys ?? []) : [];
      if (unknown.length > 0) return unknown.map((key) => ({ path: formatSegments([...path, key]), message: 'unknown field' }));
      return [{ path: formatSegments(path), message: v.message ?? 'invalid' }];
    });
    return new OrdoError('VALIDATION_FAILED', `${errors.length} invalid field${errors.length === 1 ? '' : 's'} in ${where}: ${errors.map((e) => e.path).join(', ')}`, errors);
  }
  const code = (error as FastifyError).code;
  switch (code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new OrdoError('MALFORMED_REQUEST', `The body is not valid JSON: ${error.message}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new OrdoError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OrdoError('PAYLOAD_TOO_LARGE', 'The body exceeds the size limit');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new OrdoError('MALFORMED_REQUEST', 'Content-Length does not match the body');
  }
  const status = (error as FastifyError).statusCode;
  if (status === 404) return new OrdoError('NOT_FOUND', error.message);
  if (status && status >= 400 && status < 500) return new OrdoError('MALFORMED_REQUEST', error.message);
  return new OrdoError('INTERNAL', 'An unexpected error occurred; it has been logged.');
}

const formatSegments = (segments: string[]) =>
  segments.reduce((out, s) => (/^\d+$/.test(s) ? `${out}[${s}]` : out ? `${out}.${s}` : s), '');

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const ordo = classifyError(error);
  if (ordo.code === 'INTERNAL' || ordo.code === 'UNAVAILABLE') request.log.error({ err: error }, 'request failed');
  return sendProblem(reply, ordo);
}

/**
 * User-facing errors. Each says where (file, row, column, tag, spec path) and what was expected, in one
 * line; the CLI prints `message` without a stack and exits 1. Anything else is an internal bug and keeps
 * its stack.
 */
export class SynthdiffError extends Error {
  override name = 'SynthdiffError';
}

/** The pipeline spec is malformed: `path` is the spec path such as `tasks[1].rows`. */
export class SpecError extends SynthdiffError {
  override name = 'SpecError';
}

/** An input table or file cannot be read as promised: name the file, line/row and column. */
export class DataError extends SynthdiffError {
  override name = 'DataError';
}

/** A DICOM file or tag is unreadable or unsupported: name the file and tag. */
export class DicomError extends SynthdiffError {
  override name = 'DicomError';
}

/** A model checkpoint is missing, incompatible or corrupt. */
export class ModelError extends SynthdiffError {
  override name = 'ModelError';
}

/** A synthetic table failed the privacy thresholds it was asked to meet (`synthdiff evaluate --fail-on`). */
export class PrivacyGateError extends SynthdiffError {
  override name = 'PrivacyGateError';
}

export function isUserError(e: unknown): e is SynthdiffError {
  return e instanceof SynthdiffError;
}

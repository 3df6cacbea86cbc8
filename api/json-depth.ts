import { ApiError } from './api-error';

/** Deeper JSON than any request of this API needs; deeper bodies are refused before they are parsed. */
export const MAX_JSON_DEPTH = 32;

/**
 * The deepest nesting of arrays and objects in a JSON text, by one pass over its characters
 * (strings skipped), so a body of a million brackets costs a scan and never a deep recursion.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (char === 0x5d || char === 0x7d) depth--;
  }
  return deepest;
}

/** Throws 400 `json_too_deep` when the text nests deeper than MAX_JSON_DEPTH. */
export function assertJsonDepth(text: string): void {
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new ApiError(400, 'json_too_deep', `JSON nested deeper than ${MAX_JSON_DEPTH} levels is not accepted`);
  }
}

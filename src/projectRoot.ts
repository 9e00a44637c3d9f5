import path from 'node:path';

/** The checkout (or image) root: where migrations/, contracts/, .tools/ and .data/ live. */
export const projectRoot = path.resolve(__dirname, '..');

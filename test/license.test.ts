import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

/** The licence the package declares is the one shipped beside it (npm pack always includes LICENSE). */
describe('licence', () => {
  it('LICENSE is the MIT licence of the synthdiff authors, as package.json says', async () => {
    const text = await readFile('LICENSE', 'utf8');
    expect(text.split('\n').slice(0, 3)).toEqual(['MIT License', '', `Copyright (c) 2026 synthdiff authors`]);
    expect(text).toContain('Permission is hereby granted, free of charge, to any person obtaining a copy');
    expect(JSON.parse(await readFile('package.json', 'utf8')).license).toBe('MIT');
  });
});

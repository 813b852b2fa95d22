import { createRng } from '@md4/core';
import { it } from 'vitest';
it('x', () => { console.log(createRng(1).uniform()); });

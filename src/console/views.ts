import path from 'node:path';
import type { Response } from 'express';
import { Eta } from 'eta';
import { PACKAGE_ROOT } from '../config/package.js';
import { userOf } from './session.js';

export const VIEWS_DIR = path.join(PACKAGE_ROOT, 'src/console/views');

/**
 * Server-rendered pages. Eta escapes every `<%= %>` (autoEscape), so a reason, purpose, title or
 * chunk field is always text, never markup; the only raw output is the layout's own body.
 */
export class Views {
  private readonly eta = new Eta({ views: VIEWS_DIR, autoEscape: true, cache: true });

  page(res: Response, name: string, data: Record<string, unknown>): void {
    const user = userOf(res);
    res.type('html').send(this.eta.render(`./${name}`, { user, csrf: user?.csrf ?? '', ...data }));
  }
}

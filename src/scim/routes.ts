import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { ScimError, sendScim, sendScimError, SCIM_CONTENT_TYPE } from './errors.js';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.js';
import { groupResource, GroupInputSchema, listResponse, parseBody, PatchOpSchema, userResource, UserInputSchema } from './resources.js';
import type { ScimService } from './service.js';

/** Where `serve --http` mounts the endpoint. */
export const SCIM_PATH = '/scim/v2';
const BODY_LIMIT = '1mb';
const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares digests, so neither the token's content nor its length leaks through timing. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer +(\S+)\s*$/i.exec(header ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

const idOf = (req: Request): string => String(req.params.id);

type Handler = (req: Request, res: Response) => Promise<void>;
/** Every handler's failure is a SCIM error response; anything unexpected is a 500 without internals. */
const handle =
  (fn: Handler) =>
  (req: Request, res: Response): void => {
    fn(req, res).catch((err: unknown) =>
      sendScimError(res, err instanceof ScimError ? err : new ScimError(500, 'internal error; the change may not have been applied, retry')),
    );
  };

const query = (req: Request, name: string): string | undefined => {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ScimError(400, `query parameter "${name}" must be given once`, 'invalidValue');
  return value;
};

/**
 * SCIM 2.0 (RFC 7644) at `/scim/v2`: Users and Groups, discovery, `application/scim+json`, bearer-protected.
 * The router only speaks the protocol; `ScimService` decides and records.
 */
export function scimRouter(service: ScimService, token: string): Router {
  const router = express.Router();
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (bearerMatches(req.header('authorization'), token)) return next();
    res.setHeader('WWW-Authenticate', 'Bearer realm="clearance-scim"');
    sendScimError(res, new ScimError(401, 'a valid bearer token is required (Authorization: Bearer <the token in scim.tokenEnv>)'));
  });
  router.use(express.json({ type: [SCIM_CONTENT_TYPE, 'application/json'], limit: BODY_LIMIT }));
  const base = (req: Request) => `${req.protocol}://${req.get('host')}${req.baseUrl}`;

  router.get('/ServiceProviderConfig', (req, res) => sendScim(res, 200, serviceProviderConfig(base(req))));
  router.get('/ResourceTypes', (req, res) => sendScim(res, 200, listResponse(resourceTypes(base(req)), {})));
  router.get('/Schemas', (req, res) => sendScim(res, 200, listResponse(schemas(base(req)), {})));

  router.get(
    '/Users',
    handle(async (req, res) =>
      sendScim(
        res,
        200,
        listResponse(
          (await service.users(query(req, 'filter'))).map((u) => userResource(u, base(req))),
          req.query,
        ),
      ),
    ),
  );
  router.post(
    '/Users',
    handle(async (req, res) => sendScim(res, 201, userResource(await service.createUser(parseBody(UserInputSchema, req.body, 'User')), base(req)))),
  );
  router.get(
    '/Users/:id',
    handle(async (req, res) => sendScim(res, 200, userResource(await service.user(idOf(req)), base(req)))),
  );
  router.put(
    '/Users/:id',
    handle(async (req, res) => sendScim(res, 200, userResource(await service.replaceUser(idOf(req), parseBody(UserInputSchema, req.body, 'User')), base(req)))),
  );
  router.patch(
    '/Users/:id',
    handle(async (req, res) =>
      sendScim(res, 200, userResource(await service.patchUser(idOf(req), parseBody(PatchOpSchema, req.body, 'PatchOp').Operations), base(req))),
    ),
  );
  router.delete(
    '/Users/:id',
    handle(async (req, res) => {
      await service.deleteUser(idOf(req));
      res.status(204).end();
    }),
  );

  router.get(
    '/Groups',
    handle(async (req, res) =>
      sendScim(
        res,
        200,
        listResponse(
          (await service.groups(query(req, 'filter'))).map((g) => groupResource(g, base(req))),
          req.query,
        ),
      ),
    ),
  );
  router.post(
    '/Groups',
    handle(async (req, res) => sendScim(res, 201, groupResource(await service.createGroup(parseBody(GroupInputSchema, req.body, 'Group')), base(req)))),
  );
  router.get(
    '/Groups/:id',
    handle(async (req, res) => sendScim(res, 200, groupResource(await service.group(idOf(req)), base(req)))),
  );
  router.put(
    '/Groups/:id',
    handle(async (req, res) =>
      sendScim(res, 200, groupResource(await service.replaceGroup(idOf(req), parseBody(GroupInputSchema, req.body, 'Group')), base(req))),
    ),
  );
  router.patch(
    '/Groups/:id',
    handle(async (req, res) =>
      sendScim(res, 200, groupResource(await service.patchGroup(idOf(req), parseBody(PatchOpSchema, req.body, 'PatchOp').Operations), base(req))),
    ),
  );
  router.delete(
    '/Groups/:id',
    handle(async (req, res) => {
      await service.deleteGroup(idOf(req));
      res.status(204).end();
    }),
  );

  router.use((_req: Request, res: Response) => sendScimError(res, new ScimError(404, 'no such SCIM endpoint; see /scim/v2/ResourceTypes')));
  // Body parser failures (not JSON, too large) are SCIM errors too.
  router.use((err: { type?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') return sendScimError(res, new ScimError(413, `the body is larger than ${BODY_LIMIT}`));
    if (err.type === 'entity.parse.failed') return sendScimError(res, new ScimError(400, 'the body is not valid JSON', 'invalidSyntax'));
    sendScimError(res, new ScimError(err.status ?? 500, 'the request could not be read'));
  });
  return router;
}

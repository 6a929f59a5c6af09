import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { ScimError, sendScim, sendScimError, SCIM_CONTENT_TYPE } from './errors.js';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.js';
import type { z } from 'zod';
import { groupResource, GroupInputSchema, listResponse, parseBody, PatchOpSchema, userResource, UserInputSchema, type PatchOp } from './resources.js';
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

/** What the service does for one resource type (Users, Groups). */
interface ResourceOps<Row, Input> {
  list(filter: string | undefined): Promise<Row[]>;
  create(input: Input): Promise<Row>;
  get(id: string): Promise<Row>;
  replace(id: string, input: Input): Promise<Row>;
  patch(id: string, ops: readonly PatchOp[]): Promise<Row>;
  remove(id: string): Promise<void>;
}

/** The RFC 7644 routes of one resource type: list, create, get, replace, patch, delete. */
function resourceRoutes<Row, S extends z.ZodType>(
  router: Router,
  base: (req: Request) => string,
  path: string,
  what: string,
  input: S,
  toResource: (row: Row, base: string) => Record<string, unknown>,
  ops: ResourceOps<Row, z.infer<S>>,
): void {
  router.get(
    path,
    handle(async (req, res) =>
      sendScim(
        res,
        200,
        listResponse(
          (await ops.list(query(req, 'filter'))).map((row) => toResource(row, base(req))),
          req.query,
        ),
      ),
    ),
  );
  router.post(
    path,
    handle(async (req, res) => sendScim(res, 201, toResource(await ops.create(parseBody(input, req.body, what)), base(req)))),
  );
  router.get(
    `${path}/:id`,
    handle(async (req, res) => sendScim(res, 200, toResource(await ops.get(idOf(req)), base(req)))),
  );
  router.put(
    `${path}/:id`,
    handle(async (req, res) => sendScim(res, 200, toResource(await ops.replace(idOf(req), parseBody(input, req.body, what)), base(req)))),
  );
  router.patch(
    `${path}/:id`,
    handle(async (req, res) => sendScim(res, 200, toResource(await ops.patch(idOf(req), parseBody(PatchOpSchema, req.body, 'PatchOp').Operations), base(req)))),
  );
  router.delete(
    `${path}/:id`,
    handle(async (req, res) => {
      await ops.remove(idOf(req));
      res.status(204).end();
    }),
  );
}

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

  resourceRoutes(router, base, '/Users', 'User', UserInputSchema, userResource, {
    list: (filter) => service.users(filter),
    create: (input) => service.createUser(input),
    get: (id) => service.user(id),
    replace: (id, input) => service.replaceUser(id, input),
    patch: (id, ops) => service.patchUser(id, ops),
    remove: (id) => service.deleteUser(id),
  });
  resourceRoutes(router, base, '/Groups', 'Group', GroupInputSchema, groupResource, {
    list: (filter) => service.groups(filter),
    create: (input) => service.createGroup(input),
    get: (id) => service.group(id),
    replace: (id, input) => service.replaceGroup(id, input),
    patch: (id, ops) => service.patchGroup(id, ops),
    remove: (id) => service.deleteGroup(id),
  });

  router.use((_req: Request, res: Response) => sendScimError(res, new ScimError(404, 'no such SCIM endpoint; see /scim/v2/ResourceTypes')));
  // Body parser failures (not JSON, too large) are SCIM errors too.
  router.use((err: { type?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') return sendScimError(res, new ScimError(413, `the body is larger than ${BODY_LIMIT}`));
    if (err.type === 'entity.parse.failed') return sendScimError(res, new ScimError(400, 'the body is not valid JSON', 'invalidSyntax'));
    sendScimError(res, new ScimError(err.status ?? 500, 'the request could not be read'));
  });
  return router;
}

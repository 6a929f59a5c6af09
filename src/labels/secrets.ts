import { z } from 'zod';

/**
 * What ingest does with a document of a class when it finds a secret or a card number in it:
 * `redact` replaces each span with a marker before chunking and embedding (neither text nor vector
 * keeps it), `flag` keeps the text and reports it, `refuse` leaves the document out (and deletes its
 * stored chunks). Shared by the policy (per class, in classes.yaml) and by ingest.
 */
export const SecretsModeSchema = z.enum(['redact', 'flag', 'refuse']);
export type SecretsMode = z.infer<typeof SecretsModeSchema>;

/** For a class that says nothing: the secret never reaches the store, the document still does. */
export const DEFAULT_SECRETS_MODE: SecretsMode = 'redact';

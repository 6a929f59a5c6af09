import type JSZip from 'jszip';
import { plainXml } from './zip.js';

/** A Microsoft Purview (Information Protection) sensitivity label found on a document. */
export interface SensitivityLabel {
  id: string;
  name: string | null;
  siteId: string | null;
}

const MSIP = /^MSIP_Label_([0-9a-fA-F-]{36})_(Enabled|Name|SiteId)$/;

/**
 * The enabled sensitivity labels of an Office package, from the `MSIP_Label_<guid>_Enabled/_Name/_SiteId`
 * custom properties Purview writes into `docProps/custom.xml` (read with JSZip and fast-xml-parser).
 */
export async function officeSensitivityLabels(zip: JSZip): Promise<SensitivityLabel[]> {
  const file = zip.file('docProps/custom.xml');
  if (!file) return [];
  const xml = plainXml.parse(await file.async('string')) as { Properties?: { property?: Record<string, unknown>[] } };
  const found = new Map<string, { enabled: boolean; name: string | null; siteId: string | null }>();
  for (const property of xml.Properties?.property ?? []) {
    const match = MSIP.exec(String(property.name ?? ''));
    if (!match) continue;
    const value = Object.entries(property).find(([k]) => k.startsWith('vt:'))?.[1];
    const text = typeof value === 'object' && value !== null ? String((value as Record<string, unknown>)['#text'] ?? '') : String(value ?? '');
    const id = match[1]!.toLowerCase();
    const entry = found.get(id) ?? { enabled: false, name: null, siteId: null };
    if (match[2] === 'Enabled') entry.enabled = text.trim().toLowerCase() === 'true';
    if (match[2] === 'Name') entry.name = text.trim() || null;
    if (match[2] === 'SiteId') entry.siteId = text.trim() || null;
    found.set(id, entry);
  }
  return [...found].filter(([, e]) => e.enabled).map(([id, e]) => ({ id, name: e.name, siteId: e.siteId }));
}

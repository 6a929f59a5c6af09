import type JSZip from 'jszip';
import { XMLParser } from 'fast-xml-parser';
import { UnreadableFile } from './located.js';

/** An OLE compound file: what a password-protected OOXML file (or a legacy .doc/.ppt/.xls) is. */
const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** An Office Open XML package, opened with JSZip; encrypted and corrupt packages are refused with the reason. */
export async function openPackage(bytes: Buffer, kind: string): Promise<JSZip> {
  if (bytes.subarray(0, 8).equals(CFB_MAGIC)) {
    throw new UnreadableFile(`encrypted (password-protected) ${kind} or a legacy binary Office file: cannot be read`);
  }
  const { default: zip } = await import('jszip');
  try {
    return await zip.loadAsync(bytes);
  } catch (err) {
    throw new UnreadableFile(`not a readable ${kind} (${(err as Error).message})`);
  }
}

/** Element order kept, attributes under `:@`, every value as a string: the shape `textOf` walks. */
export const orderedXml = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, trimValues: false });
/** Plain object shape, for small property files. */
export const plainXml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, isArray: (name) => name === 'property' });

export type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

/** The element name of an ordered node (its one key besides `:@`). */
export const tagOf = (node: OrderedNode) => Object.keys(node).find((k) => k !== ':@') ?? '';
export const childrenOf = (node: OrderedNode) => {
  const value = node[tagOf(node)];
  return Array.isArray(value) ? (value as OrderedNode[]) : [];
};

/** Every element named `tag` under `nodes`, in document order. */
export function findAll(nodes: OrderedNode[], tag: string, out: OrderedNode[] = []): OrderedNode[] {
  for (const node of nodes) {
    if (tagOf(node) === tag) out.push(node);
    else findAll(childrenOf(node), tag, out);
  }
  return out;
}

/** The concatenated text nodes under `nodes`. */
export function textOf(nodes: OrderedNode[]): string {
  let text = '';
  for (const node of nodes) {
    if (tagOf(node) === '#text') text += String(node['#text']);
    else text += textOf(childrenOf(node));
  }
  return text;
}

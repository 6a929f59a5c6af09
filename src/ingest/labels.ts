import picomatch from 'picomatch';
import type { ParsedDoc } from './document.js';
import type { CorpusManifest } from './manifest.js';

/** What the labeller needs from policy: who an ACL principal stands for, and who reads a class. */
export interface ReaderDirectory {
  membersOf(principal: string): Set<string>;
  /** Everyone who could ever read the class (freely or with an approval). */
  possibleReadersOfClass(classId: string): Set<string>;
}

export interface DocLabels {
  dataClass: string;
  aclSource: string[];
  aclDoc: string[];
  owner: string;
}

const members = (dir: ReaderDirectory, acl: readonly string[]) => new Set(acl.flatMap((p) => [...dir.membersOf(p)]));
const isSubset = (a: Set<string>, b: Set<string>) => [...a].every((x) => b.has(x));

/**
 * A document's labels: the source's, narrowed by manifest overrides and by the document itself.
 * Narrowing only: a document ACL must stand for a subset of the people its source ACL stands for, and
 * a class change must go to a class whose possible readers are a subset of the source class's.
 */
export function labelDocument(manifest: CorpusManifest, doc: ParsedDoc, directory: ReaderDirectory): DocLabels {
  let dataClass = manifest.data_class;
  let aclDoc = manifest.read_acl;
  const sourceMembers = members(directory, manifest.read_acl);
  const filePath = doc.path.split('#')[0]!;
  const requests: { what: string; acl?: string[]; dataClass?: string }[] = [
    ...manifest.overrides
      .filter((o) => picomatch.isMatch(filePath, o.path))
      .map((o) => ({ what: `override "${o.path}"`, acl: o.read_acl, dataClass: o.data_class })),
    { what: 'document', acl: doc.readAcl, dataClass: doc.dataClass },
  ];
  for (const request of requests) {
    if (request.acl) {
      const nobody = request.acl.filter((p) => directory.membersOf(p).size === 0);
      if (nobody.length > 0) {
        throw new Error(`${request.what} read_acl: ${nobody.map((p) => `"${p}"`).join(', ')} stands for nobody in the policy (check its spelling)`);
      }
      const asked = members(directory, request.acl);
      const widens = [...asked].filter((h) => !sourceMembers.has(h) || !members(directory, aclDoc).has(h));
      if (widens.length > 0) {
        throw new Error(
          `${request.what} read_acl [${request.acl.join(', ')}] would widen access (to ${widens.sort().join(', ')}); a document may only narrow its source's ACL`,
        );
      }
      aclDoc = request.acl;
    }
    if (request.dataClass && request.dataClass !== dataClass) {
      if (!isSubset(directory.possibleReadersOfClass(request.dataClass), directory.possibleReadersOfClass(dataClass))) {
        throw new Error(`${request.what} data_class "${request.dataClass}" would widen access: its readers are not a subset of "${dataClass}"'s`);
      }
      dataClass = request.dataClass;
    }
  }
  return { dataClass, aclSource: [...manifest.read_acl], aclDoc: [...aclDoc], owner: manifest.owner };
}

// The words people read for the codes the core sends (a dossier's nature, a
// beneficiary's link): never a raw code such as `lui_meme` on screen.
import type { Kind, MemberStatus, Relation } from "./api/bindings";

export const KINDS: [Kind, string][] = [
  ["maladie", "Maladie"],
  ["dentaire", "Dentaire"],
  ["optique", "Optique"],
  ["autres", "Autres"],
];

export const MEMBER_STATUSES: [MemberStatus, string][] = [
  ["actif", "Actif"],
  ["pensionne", "Pensionné"],
  ["autre", "Autre"],
];

export const RELATIONS: [Relation, string][] = [
  ["lui_meme", "Lui-même"],
  ["conjoint", "Conjoint"],
  ["enfant", "Enfant"],
];

/** The label of `v` in `list`, or `v` itself when unknown. */
export const labelOf = <T extends string>(list: [T, string][], v: T): string => list.find(([k]) => k === v)?.[1] ?? v;

import { stat } from 'node:fs/promises';
import * as core from '@actions/core';
import { ActionError } from '../errors.js';
import type { BackupChoice } from '../settings.js';
import type { Store } from '../storage/store.js';
import { futureWarning, isFutureDated } from './future.js';
import { parseManifest, type Manifest } from './manifest.js';
import {
  belongsTo,
  idOfManifest,
  isManifestOf,
  manifestName,
  parseId,
  verifiedName,
  type ParsedId,
} from './naming.js';

/** A backup as its manifest file name tells it. */
export interface ListedBackup extends ParsedId {
  manifestFile: string;
}

/** File names of the manifests at the store (`*.manifest.json`), optionally only those of `<label>-…`; sorted. */
export async function listManifests(store: Store, label?: string): Promise<string[]> {
  const files = await store.list(label ? `${label}-` : '');
  return files
    .map((f) => f.fileName)
    .filter((n) => isManifestOf(n, label))
    .sort();
}

/** Parses manifest file names; others are skipped. Newest first. */
export function listBackups(manifestFiles: string[]): ListedBackup[] {
  const listed: ListedBackup[] = [];
  for (const file of manifestFiles) {
    const parsed = parseId(idOfManifest(file) ?? '');
    if (parsed) listed.push({ ...parsed, manifestFile: file });
  }
  return listed.sort((a, b) => b.stamp.getTime() - a.stamp.getTime() || b.serial - a.serial);
}

/** The label to use: the given one, else the only one present; fails asking for `label`. */
export function resolveLabel(
  given: string | undefined,
  backups: ListedBackup[],
  where: string,
): string {
  if (given) return given;
  const labels = [...new Set(backups.map((b) => b.label))].sort();
  if (labels.length === 1 && labels[0]) return labels[0];
  if (labels.length === 0) throw new ActionError(`No backups (manifests) found at ${where}.`);
  throw new ActionError(
    `Several labels have backups at ${where} (${labels.join(', ')}): set label (or database-url) to pick one.`,
  );
}

/**
 * The candidates for a choice, best first: for `latest` the newest; for an id that one; for a
 * time every backup whose id stamp is at or before it (the caller confirms with createdAt).
 */
export function candidatesFor(choice: BackupChoice, backups: ListedBackup[]): ListedBackup[] {
  if (choice.kind === 'latest') return backups.slice(0, 1);
  if (choice.kind === 'id') return backups.filter((b) => b.id === choice.id);
  return backups.filter((b) => b.stamp.getTime() <= choice.at.getTime());
}

/** The choice as the user wrote it, for errors. */
export function describeChoice(choice: BackupChoice): string {
  if (choice.kind === 'latest') return 'latest';
  if (choice.kind === 'id') return choice.id;
  return `${choice.at.toISOString()} (created at or before)`;
}

/** What {@link findBackup} looks for: the label rule's input and the choice. */
export interface BackupQuery {
  /** `label`, else the database name of `database-url`, else undefined (the only label present). */
  label?: string;
  choice: BackupChoice;
}

/** {@link resolveLabel} at a store: with no backup at all, the error says what the location holds. */
export async function resolveLabelAt(
  store: Store,
  given: string | undefined,
  backups: ListedBackup[],
): Promise<string> {
  if (!given && backups.length === 0)
    throw new ActionError(
      `No backups (manifests) found at ${store.description}: ${await emptyReason(store)}`,
    );
  return resolveLabel(given, backups, store.description);
}

/** Why a location lists no backup: for a directory, whether it exists at all. */
export async function emptyReason(store: Store): Promise<string> {
  const written = 'a backup exists once its manifest is written';
  const dir = store.localPath('');
  if (dir === undefined)
    return `no *.manifest.json is there (${written}): check storage and that a backup has run.`;
  const found = await stat(dir).catch(() => undefined);
  if (!found)
    return `the directory ${dir} does not exist: check storage (a relative path is taken from the workspace).`;
  if (!found.isDirectory()) return `${dir} is not a directory: check storage.`;
  return `the directory exists but holds no *.manifest.json (${written}): check storage and that a backup has run.`;
}

/** What a location holds instead of the wanted backup: the label's backups, or the labels there. */
export async function presentNote(
  store: Store,
  label: string,
  backups: ListedBackup[],
): Promise<string> {
  const own = backups.filter((b) => b.label === label);
  if (own.length)
    return `'${label}' has ${plural(own.length, 'backup')} there, newest ${own[0]?.id}, oldest ${own.at(-1)?.id}.`;
  if (!backups.length) return `No backups (manifests) are there: ${await emptyReason(store)}`;
  const counts = new Map<string, number>();
  for (const b of backups) counts.set(b.label, (counts.get(b.label) ?? 0) + 1);
  const labels = [...counts].sort(([a], [b]) => a.localeCompare(b));
  return `The labels there are ${labels.map(([l, n]) => `${l} (${plural(n, 'backup')})`).join(', ')}: set label to one of them.`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Finds the chosen backup at a location and returns its checked manifest. For `latest` and a time,
 * a backup dated after `now` is passed over with a warning; an id is taken as given.
 */
export async function findBackup(store: Store, query: BackupQuery, now: Date): Promise<Manifest> {
  const backups = listBackups(await listManifests(store));
  const label = await resolveLabelAt(store, query.label, backups);
  const own = backups.filter((b) => b.label === label);
  // `latest` reads on past the newest when that one is passed over (future-dated, another id).
  const candidates = query.choice.kind === 'latest' ? own : candidatesFor(query.choice, own);
  for (const candidate of candidates) {
    const manifest = await readManifestOf(store, candidate);
    if (manifest && fits(manifest, query.choice, now)) return manifest;
  }
  throw new ActionError(
    `No backup with label '${label}' at ${store.description} matches backup: ${describeChoice(query.choice)}. ${await presentNote(store, label, backups)}`,
  );
}

function fits(manifest: Manifest, choice: BackupChoice, now: Date): boolean {
  if (choice.kind === 'id') return true;
  if (choice.kind === 'time' && new Date(manifest.createdAt) > choice.at) return false;
  if (!isFutureDated(manifest, now)) return true;
  core.warning(
    futureWarning(manifest, now, `It was passed over for backup: ${describeChoice(choice)}.`),
  );
  return false;
}

/**
 * The manifests of the first `count` of `listed` (newest first) that are neither dated in the
 * future nor named after another id; each one passed over is warned about, with `treatment`.
 */
export async function newestUsable(
  store: Store,
  listed: ListedBackup[],
  at: { now: Date; count: number; treatment: string },
): Promise<Manifest[]> {
  const found: Manifest[] = [];
  for (const backup of listed) {
    if (found.length >= at.count) break;
    const manifest = await readManifestOf(store, backup);
    if (manifest && isFutureDated(manifest, at.now))
      core.warning(futureWarning(manifest, at.now, at.treatment));
    else if (manifest) found.push(manifest);
  }
  return found;
}

/**
 * Reads and checks the manifest of a listed backup; undefined, with one warning, when it names
 * another id than its file name: such a manifest is refused by every command.
 */
export async function readManifestOf(
  store: Store,
  listed: ListedBackup,
): Promise<Manifest | undefined> {
  const manifest = await readManifest(store, listed.manifestFile);
  if (manifest.id === listed.id) return manifest;
  core.warning(
    `Skipped ${store.locationOf(listed.manifestFile)}: it describes another backup (${manifest.id}) than its file name says; a manifest must be named after its backup's id.`,
  );
  return undefined;
}

/** Reads and checks one manifest. */
export async function readManifest(store: Store, manifestFile: string): Promise<Manifest> {
  return parseManifest(await store.readSmall(manifestFile), store.locationOf(manifestFile));
}

/**
 * The objects of a backup besides its manifest: its data object, its globals object and recovery
 * document when it records them, and its verification record (which may be absent: removing it is
 * then a no-op). Only names of this backup's own files inside the location are ever returned.
 */
export function objectsOf(manifest: Manifest): string[] {
  const record = verifiedName(manifest.id);
  return [manifest.object.key, manifest.globals?.key, manifest.recovery?.key, record].filter(
    (key): key is string => key !== undefined && isObjectOf(key, manifest.id),
  );
}

function isObjectOf(key: string, id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(key) && belongsTo(key, id) && key !== manifestName(id);
}

/** This action's name and version, as recorded in manifests (kept equal to package.json by a test). */
export const TOOL = { name: 'postgres-backup-action', version: '0.1.0' } as const;

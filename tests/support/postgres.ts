import postgres from 'postgres';
import { openDatabase } from '../../db/client.js';

/** Where a test run looks for a real Postgres server: DATABASE_URL, else the local default. */
export const serverUrl = () => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Creates a uniquely named database on the Postgres server and migrates it; `undefined` when no
 * server answers (the suite then runs on PGlite).
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const admin = postgres(serverUrl(), { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await admin`select 1`;
  } catch {
    await admin.end({ timeout: 1 }).catch(() => {});
    console.warn(`No Postgres at ${serverUrl()}: tests run on PGlite only.`);
    return undefined;
  }
  const name = `ordo_test_${process.pid}_${Date.now().toString(36)}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolSize: 1 });
  await database.migrate();
  await database.close();
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

import postgres from 'postgres';
import { openDatabase } from '../../db/client.js';

/** Where a test run looks for a real Postgres server: DATABASE_URL, else the local default. */
export const serverUrl = () => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const admin = () => postgres(serverUrl(), { max: 1, connect_timeout: 3, onnotice: () => {} });
const withName = (name: string) => {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
};

/**
 * Creates this run's migrated template database on the Postgres server; `undefined` when no server
 * answers (the suite then runs on PGlite). `drop` removes it and every per-file copy of it.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const sql = admin();
  try {
    await sql`select 1`;
  } catch {
    await sql.end({ timeout: 1 }).catch(() => {});
    console.warn(`No Postgres at ${serverUrl()}: tests run on PGlite only.`);
    return undefined;
  }
  const name = `ordo_test_${process.pid}_${Date.now().toString(36)}`;
  await sql.unsafe(`create database ${name}`);
  const database = await openDatabase({ url: withName(name), poolSize: 1 });
  await database.migrate();
  await database.close();
  return {
    url: withName(name),
    async drop() {
      const copies = await sql<{ datname: string }[]>`select datname from pg_database where datname like ${`${name}%`}`;
      for (const { datname } of copies) await sql.unsafe(`drop database if exists ${datname} with (force)`);
      await sql.end({ timeout: 5 });
    },
  };
}

let copies = 0;

/**
 * A database of its own for one test file, copied from the run's migrated template: files running
 * side by side never see each other's rows or simulator settings.
 */
export async function copyTemplateDatabase(templateUrl: string): Promise<string> {
  const template = new URL(templateUrl).pathname.slice(1);
  const name = `${template}_${process.pid}_${++copies}`;
  const sql = admin();
  try {
    // Copies from one template must not overlap (Postgres refuses a busy template): retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await sql.unsafe(`create database ${name} template ${template}`);
        break;
      } catch (error) {
        if (attempt >= 50 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
  return withName(name);
}

import { defineConfig } from 'drizzle-kit'

// One drizzle-kit config per dialect (https://orm.drizzle.team/docs/drizzle-config-file,
// "Multiple configuration files"); `npm run db:generate` runs both, `npm run db:check` checks both.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/pg/schema.ts',
  out: './drizzle/pg'
})

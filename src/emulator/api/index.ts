/** Every API route the emulator serves; the tests validate each against the spec's 200 schema. */
import { eventRoutes } from './events.js'
import { exploreRoutes } from './explore.js'
import { issueRoutes } from './issues.js'
import { organizationRoutes } from './organizations.js'
import { releaseRoutes } from './releases.js'
import type { ApiRoute } from './router.js'
import { sessionRoutes } from './sessions.js'
import { statsRoutes } from './stats.js'
import { traceRoutes } from './traces.js'

export const API_ROUTES: readonly ApiRoute[] = [...organizationRoutes, ...issueRoutes, ...eventRoutes, ...releaseRoutes, ...statsRoutes,
  ...exploreRoutes, ...traceRoutes, ...sessionRoutes]

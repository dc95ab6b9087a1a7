CREATE TABLE "sentry_connections" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"sentry_user_id" text NOT NULL,
	"sentry_user_name" text,
	"sentry_user_email" text,
	"scopes" text NOT NULL,
	"status" text NOT NULL,
	"status_reason" text,
	"status_changed_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone,
	"scoping_org_id" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sentry_organizations" (
	"connection_id" text NOT NULL,
	"org_id" text NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"region_url" text NOT NULL,
	CONSTRAINT "sentry_organizations_connection_id_org_id_pk" PRIMARY KEY("connection_id","org_id")
);
--> statement-breakpoint
CREATE TABLE "sentry_tokens" (
	"connection_id" text PRIMARY KEY NOT NULL,
	"key_id" text NOT NULL,
	"access_token_ciphertext" text NOT NULL,
	"refresh_token_ciphertext" text,
	"version" integer NOT NULL,
	"lease_owner" text,
	"lease_expires_at" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sentry_connections" ADD CONSTRAINT "sentry_connections_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sentry_organizations" ADD CONSTRAINT "sentry_organizations_connection_id_sentry_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."sentry_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sentry_tokens" ADD CONSTRAINT "sentry_tokens_connection_id_sentry_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."sentry_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sentry_connections_identity" ON "sentry_connections" USING btree ("user_id","sentry_user_id","scoping_org_id");--> statement-breakpoint
CREATE INDEX "sentry_organizations_slug" ON "sentry_organizations" USING btree ("slug");
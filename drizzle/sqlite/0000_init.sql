CREATE TABLE `sentry_connections` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`sentry_user_id` text NOT NULL,
	`sentry_user_name` text,
	`sentry_user_email` text,
	`scopes` text NOT NULL,
	`status` text NOT NULL,
	`status_reason` text,
	`status_changed_at` integer NOT NULL,
	`expires_at` integer,
	`scoping_org_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sentry_connections_identity` ON `sentry_connections` (`user_id`,`sentry_user_id`,`scoping_org_id`);--> statement-breakpoint
CREATE TABLE `sentry_organizations` (
	`connection_id` text NOT NULL,
	`org_id` text NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`region_url` text NOT NULL,
	PRIMARY KEY(`connection_id`, `org_id`),
	FOREIGN KEY (`connection_id`) REFERENCES `sentry_connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sentry_organizations_slug` ON `sentry_organizations` (`slug`);--> statement-breakpoint
CREATE TABLE `sentry_tokens` (
	`connection_id` text PRIMARY KEY NOT NULL,
	`key_id` text NOT NULL,
	`access_token_ciphertext` text NOT NULL,
	`refresh_token_ciphertext` text,
	`version` integer NOT NULL,
	`lease_owner` text,
	`lease_expires_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`connection_id`) REFERENCES `sentry_connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL
);

CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"role" text NOT NULL,
	"key_hash" text NOT NULL,
	"label" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "order_transitions" (
	"order_id" text NOT NULL,
	"seq" integer NOT NULL,
	"entity" text NOT NULL,
	"entity_id" text NOT NULL,
	"from_state" text,
	"to_state" text NOT NULL,
	"sub_state" text,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"reason_code" text NOT NULL,
	"reason_text" text,
	CONSTRAINT "order_transitions_order_id_seq_pk" PRIMARY KEY("order_id","seq")
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" text PRIMARY KEY NOT NULL,
	"external_id" text,
	"customer_id" text NOT NULL,
	"state" text NOT NULL,
	"sub_state" text,
	"category" text,
	"order_date" timestamp with time zone NOT NULL,
	"revision" integer NOT NULL,
	"request_hash" text NOT NULL,
	"idempotency_key" text,
	"body" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "product_offerings" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"body" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "orders_customer_external_id" ON "orders" USING btree ("customer_id","external_id");--> statement-breakpoint
CREATE INDEX "orders_state" ON "orders" USING btree ("state");--> statement-breakpoint
CREATE INDEX "orders_order_date" ON "orders" USING btree ("order_date");
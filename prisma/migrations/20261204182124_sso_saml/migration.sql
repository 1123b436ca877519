-- AlterTable
ALTER TABLE "SsoConnection" ADD COLUMN     "samlAllowIdpInitiated" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "samlAllowSha1" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "samlClockSkewSeconds" INTEGER NOT NULL DEFAULT 60,
ADD COLUMN     "samlIdpCerts" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "samlIdpEntityId" TEXT,
ADD COLUMN     "samlIdpSsoUrl" TEXT;

-- AlterTable
ALTER TABLE "SsoLogin" ADD COLUMN     "answeredAt" TIMESTAMPTZ(3),
ADD COLUMN     "samlAnswer" JSONB,
ADD COLUMN     "samlRequestId" TEXT,
ALTER COLUMN "nonce" DROP NOT NULL,
ALTER COLUMN "codeVerifier" DROP NOT NULL;

-- CreateTable
CREATE TABLE "SamlAssertionUse" (
    "connectionId" UUID NOT NULL,
    "assertionId" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SamlAssertionUse_pkey" PRIMARY KEY ("connectionId","assertionId")
);

-- CreateIndex
CREATE INDEX "SamlAssertionUse_expiresAt_idx" ON "SamlAssertionUse"("expiresAt");

-- AddForeignKey
ALTER TABLE "SamlAssertionUse" ADD CONSTRAINT "SamlAssertionUse_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "SsoConnection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

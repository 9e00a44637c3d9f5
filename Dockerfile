# One image for the worker, the starter API and the Exact simulator; compose picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
# Applied by whichever process opens the database first.
COPY migrations ./migrations
# Exact's fact table: the adapter checks every body against it before sending.
COPY contracts ./contracts
USER node
CMD ["npm", "run", "worker"]

# One image for the worker, the starter API, the sources and the Exact simulator; compose picks the command.
# Node 22 LTS (the bridge needs 20.19 or later; node-opcua is held at 2.182, the last for Node 20).
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# No package's install script runs: none is needed at run time (the native parts come as prebuilt packages).
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
# Applied by whichever process opens the database first.
COPY migrations ./migrations
# The ERPs' contracts: each adapter checks every body against them before sending.
COPY contracts ./contracts
USER node
CMD ["npm", "run", "worker"]

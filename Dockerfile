# syntax=docker/dockerfile:1

# ---------- build stage ----------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build

# Resolve dependencies first so this layer is cached until pom.xml changes.
COPY pom.xml .
RUN mvn -B -q -Dprod dependency:go-offline

COPY src ./src
# -Dprod: without the embedded stand-ins (profile "standins", src/dev) and their dependencies;
# the tests need those (they run the Qdrant stand-in), so they are not even compiled here
RUN mvn -B -q -Dprod -Dmaven.test.skip=true package \
 && cp target/caravan-*.jar /build/caravan.jar

# ---------- runtime stage ----------
FROM eclipse-temurin:17-jre

# curl is used by the HEALTHCHECK below; install it explicitly rather than
# relying on whatever the base image happens to ship.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system caravan \
 && useradd --system --gid caravan --home-dir /app --no-create-home --shell /usr/sbin/nologin caravan

WORKDIR /app

# Caravan reads ./application.yaml and ./routes/*.yaml from its working directory.
COPY --from=build /build/caravan.jar /app/caravan.jar
COPY application.yaml /app/application.yaml
COPY routes/ /app/routes/

ENV SPRING_PROFILES_ACTIVE=prod

USER caravan

EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=5 \
  CMD curl -fsS http://localhost:8080/actuator/health/readiness || exit 1

ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75.0", "-jar", "/app/caravan.jar"]

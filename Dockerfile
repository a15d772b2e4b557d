# mtv-validate container image.
# Build stage: Debian 12 with the -dev packages; runtime stage: only the
# shared libraries the binary links, a non-root user, the scenario catalog
# under /usr/share/mtv-validate/scenarios.
FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config ca-certificates \
      libcurl4-openssl-dev libcjson-dev libssh2-1-dev libarchive-dev libssl-dev \
      libyaml-dev libxml2-dev libmicrohttpd-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY src ./src
COPY recorder ./recorder
COPY reporters ./reporters
COPY scenarios ./scenarios
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTS=OFF \
      -DCMAKE_INSTALL_PREFIX=/usr \
    && cmake --build /build -j"$(nproc)" \
    && DESTDIR=/out cmake --install /build

FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libcurl4 libcjson1 libssh2-1 libarchive13 libssl3 \
      libyaml-0-2 libxml2 libmicrohttpd12 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 1001 --create-home --shell /usr/sbin/nologin mtv
COPY --from=build /out/usr/ /usr/
ENV MTV_CATALOG_DIR=/usr/share/mtv-validate/scenarios
USER 1001
WORKDIR /home/mtv
ENTRYPOINT ["mtv-validate"]
CMD ["help"]

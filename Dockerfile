# Linli in a container: gunicorn + WhiteNoise, PostgreSQL outside (DATABASE_URL).
#   docker build -t linli .
#   docker run --rm --env-file /etc/linli/linli.env linli release     # once per release
#   docker run --env-file /etc/linli/linli.env -v linli-media:/srv/linli/var/media \
#              -p 8000:8000 linli                                     # serve (the default)
#   docker run --rm --env-file /etc/linli/linli.env linli manage sla_sweep   # scheduled
# The env file holds SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, CACHE_URL, ... (docs/deploy.md).
FROM python:3.11-slim-bookworm

# Pango and the Noto CJK fonts for the archival PDFs; HarfBuzz's subsetter keeps a
# Chinese PDF at ~0.5 s instead of ~22 s; gettext compiles the translation.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fontconfig gettext \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 linli
WORKDIR /srv/linli
COPY pyproject.toml README.md ./
COPY config config
COPY core core
COPY casework casework
COPY consultation consultation
COPY templates templates
COPY static static
COPY locale locale
COPY manage.py ./
COPY bin bin
# Static files are collected with the production storage (hashed names) at build time; the
# build's settings need a key and a database URL but touch no database.
RUN pip install --no-cache-dir . \
 && LINLI_ENV=test python manage.py compilemessages --ignore=.venv -v0 \
 && LINLI_ENV=production SECRET_KEY=build-only-build-only-build-only-build-only-build-only \
    ALLOWED_HOSTS=build DATABASE_URL=sqlite://:memory: python manage.py collectstatic --noinput -v0 \
 && mkdir -p var/media && chown -R linli:linli var

USER linli
ENV LINLI_ENV=production BIND=0.0.0.0:8000 PYTHONUNBUFFERED=1
EXPOSE 8000
# bin/linli is the production entry point everywhere (make serve, systemd, here): the
# default command serves; `release` (the deploy check and migrations) runs once per
# release as its own one-off container, never at every start of every server.
ENTRYPOINT ["/srv/linli/bin/linli"]
CMD ["serve"]

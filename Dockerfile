# Linli in a container: gunicorn + WhiteNoise, PostgreSQL outside (DATABASE_URL).
#   docker build -t linli .
#   docker run -e SECRET_KEY=... -e ALLOWED_HOSTS=linli.example.gov.cn \
#              -e DATABASE_URL=postgres://linli:...@db:5432/linli -e CACHE_URL=redis://cache:6379/1 \
#              -v linli-media:/srv/linli/var/media -p 8000:8000 linli
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
RUN pip install --no-cache-dir . \
 && LINLI_ENV=test python manage.py compilemessages --ignore=.venv -v0 \
 && LINLI_ENV=production SECRET_KEY=build-only-build-only-build-only-build-only-build-only \
    ALLOWED_HOSTS=build python manage.py collectstatic --noinput -v0 \
 && mkdir -p var/media && chown -R linli:linli var

USER linli
ENV LINLI_ENV=production BIND=0.0.0.0:8000 PYTHONUNBUFFERED=1
EXPOSE 8000
# Migrations run at start (one container at a time; with several, run them as a job).
CMD ["sh", "-c", "python manage.py migrate --noinput -v0 && gunicorn config.wsgi -c config/gunicorn.conf.py"]

# Linli production image: gunicorn, non-root, migrations at start, health check on /healthz.
# Build: docker build -t linli .   Run: docker run -e SECRET_KEY=... -e DATABASE_URL=postgresql://... -p 8000:8000 linli

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
# Wheels of the dependencies only: the app itself runs from /opt/linli beside its templates.
RUN pip wheel --no-cache-dir --wheel-dir /wheels . \
 && rm /wheels/linli-*.whl \
 && pip install --no-cache-dir Babel \
 && pybabel -q compile -d app/translations

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    LINLI_ENV=production LINLI_INSTANCE_PATH=/var/lib/linli FLASK_APP=app
# Pango for WeasyPrint, Noto CJK for Chinese PDFs, harfbuzz-subset for fast font subsetting.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/linli --uid 10001 linli
WORKDIR /opt/linli
ENV PYTHONPATH=/opt/linli
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY --from=build /src/app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY tenants ./tenants
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 0755 /usr/local/bin/docker-entrypoint.sh
USER linli
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "app:create_app()"]

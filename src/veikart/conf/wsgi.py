import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veikart.conf.settings")
application = get_wsgi_application()
# Everything loaded at start-up lives as long as the process: keep the garbage collector from
# walking it again and again (pauses of ~100 ms in one request of ten, measured in
# bench/adoption_dashboards.py).
gc.freeze()

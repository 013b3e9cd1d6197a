"""URLs for the benchmark only: the real ones plus the framework floor (never served by the app)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from concertation.urls import urlpatterns as real_urlpatterns


@login_required
def floor(request):
    return render(request, "bench_floor.html")


urlpatterns = [path("__bench_floor__/", floor), *real_urlpatterns]

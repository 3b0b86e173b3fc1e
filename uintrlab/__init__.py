"""uintrlab: runners, data format, statistics and plots of the uintr-event artifact."""

__version__ = "0.1.0"

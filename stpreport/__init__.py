"""stpreport: honest briefings on England's Sustainability and Transformation Plans."""

__version__ = "0.1.0"

"""Success indicators: definitions, computation, surveys, statistical process control."""

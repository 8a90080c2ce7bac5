"""Text for the text models: poems read and cut into training samples."""

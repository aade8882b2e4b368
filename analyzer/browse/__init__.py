"""Browse the database in Datasette (`analyze serve`) and build the offline demo (`analyze demo`)."""

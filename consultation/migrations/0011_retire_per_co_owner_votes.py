"""Co-owners of one unit are one owner (法释〔2009〕7号 Art. 9), so a rule set can no longer
let each co-owner vote; ballot objections now live on the result's publicity (0010 moved
them). Counted ballots keep their stored tally and the frozen copy of their rule (which
still says ``vote_per_owner``), so history does not change."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("consultation", "0010_flat_owners_to_owners")]
    operations = [
        migrations.RemoveField(model_name="ballotruleset", name="vote_per_owner"),
        migrations.RemoveField(model_name="historicalballotruleset", name="vote_per_owner"),
        migrations.DeleteModel(name="BallotObjection"),
    ]

"""Page script for st.navigation (a file, so AppTest.switch_page can open it): renders ui.views.evaluate."""

from ui.views import evaluate

evaluate.render()

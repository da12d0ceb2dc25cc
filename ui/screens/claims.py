"""Page script for st.navigation (a file, so AppTest.switch_page can open it): renders ui.views.claims."""

from ui.views import claims

claims.render()
